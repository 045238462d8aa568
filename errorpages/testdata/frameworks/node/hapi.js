// hapi + joi. /users uses hapi's default failAction ('error'), which answers
// a generic 400 and keeps joi's details out of the response; /v2/users
// rethrows joi's error (failAction: (req, h, err) => { throw err }), which
// sends its message and validation.keys; /v3/users does the same with
// abortEarly: false, so every problem is reported.
const Hapi = require('@hapi/hapi');
const Joi = require('joi');

const payload = Joi.object({
  email: Joi.string().email().required(),
  age: Joi.number().integer().min(18).required(),
});
const rethrow = (request, h, err) => { throw err; };

const init = async () => {
  const server = Hapi.server({ port: Number(process.env.PORT), host: '127.0.0.1' });
  server.route({ method: 'POST', path: '/users', options: { validate: { payload } }, handler: (r) => r.payload });
  server.route({ method: 'POST', path: '/v2/users', options: { validate: { payload, failAction: rethrow } }, handler: (r) => r.payload });
  server.route({
    method: 'POST', path: '/v3/users',
    options: { validate: { payload, failAction: rethrow, options: { abortEarly: false } } },
    handler: (r) => r.payload,
  });
  server.route({
    method: 'GET', path: '/items',
    options: { validate: { query: Joi.object({ limit: Joi.number().integer().min(1).max(100) }), failAction: rethrow } },
    handler: () => [],
  });
  await server.start();
  console.log(`hapi ${require('@hapi/hapi/package.json').version} joi ${require('joi/package.json').version} on ${process.env.PORT}`);
};
init();
