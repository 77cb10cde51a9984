/** Fastify 5 + @fastify/secure-session: the whole session sealed in the cookie (libsodium secretbox). */
import fastifySecureSession from '@fastify/secure-session';
import Fastify from 'fastify';
import { CART, ready, SECRET } from './common.js';

type Bag = { get(k: string): unknown; set(k: string, v: unknown): void };

const app = Fastify();
await app.register(fastifySecureSession, {
  cookieName: 'sid',
  key: SECRET,
  expiry: 1800,
  cookie: { path: '/', httpOnly: true, sameSite: 'lax', maxAge: 1800 },
});
const bag = (request: unknown) => (request as { session: Bag }).session;

app.post('/login', async (request) => {
  const s = bag(request);
  s.set('user', 'bench');
  s.set('cart', [...CART]);
  s.set('visits', 0);
  return { ok: true };
});
app.get('/me', async (request, reply) => {
  const s = bag(request);
  if (s.get('user') === undefined) return reply.code(401).send({ error: 'login' });
  return { user: s.get('user'), cart: s.get('cart'), visits: s.get('visits') };
});
app.get('/touch', async (request) => ({ ok: bag(request).get('user') !== undefined }));
app.post('/visit', async (request) => {
  const s = bag(request);
  const visits = ((s.get('visits') as number | undefined) ?? 0) + 1;
  s.set('visits', visits);
  return { visits };
});

await app.listen({ port: 0, host: '127.0.0.1' });
const a = app.server.address();
ready(typeof a === 'object' && a ? a.port : 0, () => app.close());
