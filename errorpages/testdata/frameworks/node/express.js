// Express with its default error handling: no error middleware of our own.
// PORT from the environment; listens on 127.0.0.1 only.
const express = require('express');

const app = express();
app.use(express.json());

// A thrown error reaches Express's default handler (finalhandler): an HTML
// 500 with Content-Security-Policy: default-src 'none'. Outside production
// it shows the stack trace; with NODE_ENV=production only the status text.
app.get('/boom', () => {
  throw new Error('connect ECONNREFUSED 10.0.3.7:5432');
});

// The usual hand-written JSON error.
app.post('/login', (req, res) => {
  res.status(400).json({ message: 'Invalid email or password' });
});

// Unknown routes fall through to the default 404 ("Cannot GET /nope").

app.listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log(`express ${require('express/package.json').version} on ${process.env.PORT}`);
});
