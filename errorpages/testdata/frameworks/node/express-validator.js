// express-validator's documented usage: validation chains, then
// validationResult(req).array() sent as {errors: [...]} with status 400.
const express = require('express');
const { body, query, validationResult } = require('express-validator');

const app = express();
app.use(express.json());

app.post('/users',
  body('email').isEmail(),
  body('age').isInt({ min: 18 }).withMessage('must be at least 18'),
  body('address.city').notEmpty(),
  (req, res) => {
    const result = validationResult(req);
    if (!result.isEmpty()) {
      return res.status(400).json({ errors: result.array() });
    }
    res.status(201).json(req.body);
  });

app.get('/items',
  query('limit').isInt({ min: 1, max: 100 }),
  (req, res) => {
    const result = validationResult(req);
    if (!result.isEmpty()) {
      return res.status(400).json({ errors: result.array() });
    }
    res.json([]);
  });

app.listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log(`express-validator ${require('express-validator/package.json').version} on ${process.env.PORT}`);
});
