/**
 * A small shop on Fastify 5 with statecraft sessions; one option switches the architecture.
 *
 *   node --import tsx --conditions=statecraft-source examples/fastify/server.ts
 *   STRATEGY=stateful|stateless|hybrid PORT=3000 … (default: stateful, memory store)
 *   SESSION_SECRET=<32+ random bytes, base64url> keeps token sessions valid across restarts
 *
 * Try it:
 *   curl -c jar -b jar -X POST localhost:3000/login -H 'content-type: application/json' -d '{"user":"ada"}'
 *   curl -c jar -b jar -X POST localhost:3000/cart -H 'content-type: application/json' -d '{"item":"sku-1"}'
 *   curl -c jar -b jar localhost:3000/me
 *   curl -c jar -b jar -X POST localhost:3000/logout
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { createSessions, hybrid, type StrategyFactory, stateful, stateless } from 'statecraft';
import { requireUser, statecraftPlugin } from 'statecraft/adapters/fastify';
import { memoryStore } from 'statecraft/stores/memory';

type Data = { cart: string[] };

function secret(): Buffer {
  if (process.env.SESSION_SECRET) return Buffer.from(process.env.SESSION_SECRET, 'base64url');
  console.warn('SESSION_SECRET is not set: a random key is used, token sessions end with the process');
  return randomBytes(32);
}

const kind = process.env.STRATEGY ?? 'stateful';
function strategy(): StrategyFactory {
  switch (kind) {
    case 'stateless': // the session sealed (JWE, AES-256-GCM) in the cookie; no store
      return stateless({ keys: [{ kid: 'k1', alg: 'dir', enc: 'A256GCM', secret: secret() }] });
    case 'hybrid': // a short-lived sealed token in front of the store
      return hybrid({
        store: memoryStore(),
        keys: [{ kid: 'k1', alg: 'dir', enc: 'A256GCM', secret: secret() }],
      });
    default: // an opaque id in the cookie, the session in the store
      return stateful({ store: memoryStore() });
  }
}

const sessions = createSessions<Data>(strategy());

// Types `request.session` with the data above: request.session.get('cart') is string[] | undefined.
declare global {
  namespace Statecraft {
    interface Register {
      data: Data;
    }
  }
}

const app = Fastify({ logger: true, bodyLimit: 16_384 });
// fastify-plugin: the session is on every request of this instance and its child plugins.
await app.register(statecraftPlugin, { sessions });

const credentials = {
  body: {
    type: 'object',
    required: ['user'],
    properties: { user: { type: 'string', minLength: 1, maxLength: 256 } },
  },
} as const;

app.post('/login', { schema: credentials }, async (request) => {
  const { user } = request.body as { user: string };
  await request.session.login(user); // new id: the pre-login id is refused from now on
  return { user };
});

// requireUser throws SESSION_REQUIRED (401); Fastify's error handling answers it.
app.get('/me', async (request) => ({
  user: requireUser(request.session),
  cart: request.session.get('cart') ?? [],
}));

app.post('/cart', async (request) => {
  requireUser(request.session);
  const { item } = request.body as { item?: unknown };
  // Re-applied on a newer version if a parallel request wrote first (stateful, hybrid).
  return { cart: request.session.update('cart', (cart = []) => [...cart, String(item)]) };
});

app.post('/logout', async (request) => {
  await request.session.logout();
  return { ok: true };
});

app.addHook('onClose', () => sessions.close());
await app.listen({ port: Number(process.env.PORT ?? 3000) });
app.log.info(`strategy: ${kind}`);
