/** Fastify 5 with no session at all: the ceiling any session plugin is measured against. */
import Fastify from 'fastify';
import { CART, ready } from './common.js';

const app = Fastify();
app.post('/login', async (_request, reply) => {
  reply.header('set-cookie', 'sid=none; Path=/; HttpOnly');
  return { ok: true };
});
app.get('/me', async () => ({ user: 'bench', cart: CART, visits: 0 }));
app.get('/touch', async () => ({ ok: true }));
app.post('/visit', async () => ({ visits: 1 }));

await app.listen({ port: 0, host: '127.0.0.1' });
const a = app.server.address();
ready(typeof a === 'object' && a ? a.port : 0, () => app.close());
