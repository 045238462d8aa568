// Fastify with its default schema validation and error handler.
const fastify = require('fastify')();

fastify.post('/users', {
  schema: {
    body: {
      type: 'object',
      required: ['email', 'age'],
      properties: {
        email: { type: 'string', format: 'email' },
        age: { type: 'integer', minimum: 18 },
      },
    },
  },
}, async (req, reply) => reply.code(201).send(req.body));

fastify.get('/items', {
  schema: {
    querystring: {
      type: 'object',
      properties: { limit: { type: 'integer', minimum: 1, maximum: 100 } },
    },
  },
}, async () => []);

fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => {
  console.log(`fastify ${require('fastify/package.json').version} on ${process.env.PORT}`);
});
