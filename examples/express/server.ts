/**
 * A small shop on Express 5 with statecraft sessions; one option switches the architecture.
 *
 *   node --import tsx --conditions=statecraft-source examples/express/server.ts
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
import express from 'express';
import { createSessions, hybrid, type StrategyFactory, stateful, stateless } from 'statecraft';
import { requireUser, sessionErrorHandler, sessionMiddleware } from 'statecraft/adapters/express';
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

// Types `req.session` with the data above: req.session.cart is string[] | undefined.
declare global {
  namespace Statecraft {
    interface Register {
      data: Data;
    }
  }
}

const app = express();
app.use(express.json({ limit: '16kb' }));
app.use(sessionMiddleware(sessions));

app.post('/login', async (req, res) => {
  const { user } = req.body as { user?: unknown };
  if (typeof user !== 'string' || user.length === 0) {
    res.status(400).json({ error: { code: 'BAD_USER' } });
    return;
  }
  await req.session.login(user); // new id: the pre-login id is refused from now on
  res.json({ user });
});

app.get('/me', (req, res) => {
  res.json({ user: requireUser(req.session), cart: req.session.cart ?? [] });
});

app.post('/cart', (req, res) => {
  requireUser(req.session);
  const { item } = req.body as { item?: unknown };
  // Re-applied on a newer version if a parallel request wrote first (stateful, hybrid).
  req.session.update('cart', (cart = []) => [...cart, String(item)]);
  res.json({ cart: req.session.cart });
});

app.post('/logout', async (req, res) => {
  await req.session.logout();
  res.json({ ok: true });
});

// SessionErrors (401 SESSION_REQUIRED, 503 STORE_UNAVAILABLE…) as JSON with their status.
app.use(sessionErrorHandler());

const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => console.log(`shop on http://localhost:${port} (strategy: ${kind})`));
