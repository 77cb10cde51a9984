/**
 * A small shop on node:http with statecraft sessions.
 *
 *   node --import tsx --conditions=statecraft-source examples/node-http/server.ts
 *   STORE=sqlite|redis|postgres PORT=3000 … (default: memory)
 *
 * Try it:
 *   curl -c jar -b jar -X POST localhost:3000/login -d '{"user":"ada"}'
 *   curl -c jar -b jar -X POST localhost:3000/cart -d '{"item":"sku-1"}'
 *   curl -c jar -b jar localhost:3000/me
 *   curl -c jar -b jar -X POST localhost:3000/logout
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSessions, type Store, stateful } from 'statecraft';
import { requireUser, withSessions } from 'statecraft/adapters/node-http';

type Data = { cart: string[] };

async function makeStore(kind: string): Promise<Store> {
  switch (kind) {
    case 'sqlite':
      return (await import('statecraft/stores/sqlite')).sqliteStore({ path: 'sessions.db' });
    case 'redis':
      return (await import('statecraft/stores/redis')).redisStore({ url: process.env.REDIS_URL });
    case 'postgres':
      return (await import('statecraft/stores/postgres')).postgresStore({
        connectionString: process.env.DATABASE_URL,
      });
    default:
      return (await import('statecraft/stores/memory')).memoryStore();
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 16_384) throw new Error('body too large');
  }
  return body ? JSON.parse(body) : {};
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

const sessions = createSessions<Data>(stateful({ store: await makeStore(process.env.STORE ?? 'memory') }));

const server = createServer(
  withSessions(sessions, async (req, res, session) => {
    switch (`${req.method} ${req.url}`) {
      case 'POST /login': {
        const { user } = await readJson(req);
        if (typeof user !== 'string' || user.length === 0)
          return send(res, 400, { error: { code: 'BAD_USER' } });
        await session.login(user); // new id: the pre-login id is refused from now on
        return send(res, 200, { user });
      }
      case 'GET /me':
        return send(res, 200, { user: requireUser(session), cart: session.get('cart') ?? [] });
      case 'POST /cart': {
        requireUser(session);
        const { item } = await readJson(req);
        // Re-applied on a newer version if a parallel request wrote first: nothing is lost.
        session.update('cart', (cart = []) => [...cart, String(item)]);
        return send(res, 200, { cart: session.get('cart') });
      }
      case 'POST /logout':
        await session.logout();
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: { code: 'NOT_FOUND' } });
    }
  }),
);

const port = Number(process.env.PORT ?? 3000);
server.listen(port, () =>
  console.log(
    `shop on http://localhost:${port} (store: ${sessions.strategy.kind}/${process.env.STORE ?? 'memory'})`,
  ),
);
