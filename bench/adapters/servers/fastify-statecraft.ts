/** Fastify 5 + statecraft's plugin. STORE=memory|redis, STRATEGY=stateful|stateless. */
import Fastify from 'fastify';
import type { Sessions, Store, StrategyFactory } from 'statecraft';
import { createSessions, stateful, stateless } from 'statecraft';
import { statecraftPlugin } from 'statecraft/adapters/fastify';
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

const app = Fastify();
await app.register(statecraftPlugin, { sessions });
app.post('/login', async (request) => {
  await request.session.login('bench');
  request.session.set('cart', [...CART]).set('visits', 0);
  return { ok: true };
});
app.get('/me', async (request, reply) => {
  const s = request.session;
  if (s.userId === null) return reply.code(401).send({ error: 'login' });
  return { user: s.userId, cart: s.get('cart'), visits: s.get('visits') };
});
app.get('/touch', async (request) => ({ ok: request.session.userId !== null }));
app.post('/visit', async (request) => ({ visits: request.session.update('visits', (n = 0) => n + 1) }));

await app.listen({ port: 0, host: '127.0.0.1' });
const a = app.server.address();
ready(typeof a === 'object' && a ? a.port : 0, async () => {
  await app.close();
  await sessions.close();
});
