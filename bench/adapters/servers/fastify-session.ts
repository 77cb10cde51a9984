/** Fastify 5 + @fastify/session (its MemoryStore) + @fastify/cookie. */
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { CART, ready, SECRET } from './common.js';

type Bag = {
  get(k: string): unknown;
  set(k: string, v: unknown): void;
  regenerate(): Promise<void>;
};

const app = Fastify();
await app.register(fastifyCookie);
// Its fastest sane settings: no save of untouched or unmodified sessions (the defaults are
// saveUninitialized and rolling: true, which write every session on every response).
await app.register(fastifySession, {
  cookieName: 'sid',
  secret: SECRET.toString('hex'),
  saveUninitialized: false,
  rolling: false,
  cookie: { secure: false, httpOnly: true, sameSite: 'lax', maxAge: 1_800_000 },
});
const bag = (request: unknown) => (request as { session: Bag }).session;

app.post('/login', async (request) => {
  await bag(request).regenerate();
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
