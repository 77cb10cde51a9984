/** Express 5 + statecraft's middleware. STORE=memory|redis, STRATEGY=stateful|stateless. */
import express from 'express';
import type { Sessions, Store, StrategyFactory } from 'statecraft';
import { createSessions, stateful, stateless } from 'statecraft';
import { sessionMiddleware } from 'statecraft/adapters/express';
import { CART, type Data, REDIS_URL, ready, SECRET } from './common.js';

async function strategy(): Promise<StrategyFactory> {
  if (process.env.STRATEGY === 'stateless') {
    return stateless({ keys: [{ kid: 'bench', alg: 'dir', enc: 'A256GCM', secret: SECRET }] });
  }
  let store: Store;
  if (process.env.STORE === 'redis') {
    const { redisStore } = await import('statecraft/stores/redis');
    store = redisStore({ url: REDIS_URL, prefix: `bench:${process.pid}:` });
  } else {
    const { memoryStore } = await import('statecraft/stores/memory');
    store = memoryStore();
  }
  return stateful({ store });
}

const sessions: Sessions<Data> = createSessions<Data>(await strategy());

declare global {
  namespace Statecraft {
    interface Register {
      data: Data;
    }
  }
}

const app = express();
app.use(sessionMiddleware(sessions));
app.post('/login', async (req, res) => {
  await req.session.login('bench');
  req.session.cart = [...CART];
  req.session.visits = 0;
  res.json({ ok: true });
});
app.get('/me', (req, res) => {
  if (req.session.userId === null) {
    res.status(401).json({ error: 'login' });
    return;
  }
  res.json({ user: req.session.userId, cart: req.session.cart, visits: req.session.visits });
});
app.get('/touch', (req, res) => {
  res.json({ ok: req.session.userId !== null });
});
app.post('/visit', (req, res) => {
  const visits = req.session.update('visits', (n = 0) => n + 1);
  res.json({ visits });
});

const server = app.listen(0, '127.0.0.1', () => {
  const a = server.address();
  ready(typeof a === 'object' && a ? a.port : 0, () => sessions.close());
});
