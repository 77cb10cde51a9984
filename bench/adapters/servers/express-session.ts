/** Express 5 + express-session (MemoryStore, or connect-redis with STORE=redis). */
import express from 'express';
import session from 'express-session';
import { CART, REDIS_URL, ready, SECRET } from './common.js';

type Bag = Record<string, unknown> & { regenerate(cb: (e?: unknown) => void): void };

let store: session.Store | undefined;
let close: () => Promise<unknown> = async () => {};
if (process.env.STORE === 'redis') {
  const { createClient } = await import('redis');
  const { RedisStore } = await import('connect-redis');
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  store = new RedisStore({ client, prefix: `bench:${process.pid}:` });
  close = () => client.quit();
}

const app = express();
// The settings express-session's documentation recommends.
app.use(
  session({
    name: 'sid',
    secret: SECRET.toString('hex'),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 1_800_000 },
    ...(store ? { store } : {}),
  }),
);
const bag = (req: express.Request) => (req as unknown as { session: Bag }).session;

app.post('/login', (req, res, next) => {
  bag(req).regenerate((err) => {
    if (err) return next(err);
    const s = bag(req);
    s.user = 'bench';
    s.cart = [...CART];
    s.visits = 0;
    res.json({ ok: true });
  });
});
app.get('/me', (req, res) => {
  const s = bag(req);
  if (s.user === undefined) {
    res.status(401).json({ error: 'login' });
    return;
  }
  res.json({ user: s.user, cart: s.cart, visits: s.visits });
});
app.get('/touch', (req, res) => {
  res.json({ ok: bag(req).user !== undefined });
});
app.post('/visit', (req, res) => {
  const s = bag(req);
  s.visits = ((s.visits as number | undefined) ?? 0) + 1;
  res.json({ visits: s.visits });
});

const server = app.listen(0, '127.0.0.1', () => {
  const a = server.address();
  ready(typeof a === 'object' && a ? a.port : 0, close);
});
