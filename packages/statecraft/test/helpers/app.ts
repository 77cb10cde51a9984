/**
 * A small shop-like node:http app over the session API, shared by adapter and outage tests:
 * POST /login {user}, GET /me, POST /cart {item}, POST /logout, GET /redirect-after-write.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sessions } from 'statecraft';
import { requireUser, withSessions } from 'statecraft/adapters/node-http';

export type ShopData = { cart: string[]; visits: number };
type Data = ShopData;

async function body(req: IncomingMessage): Promise<Record<string, string>> {
  let s = '';
  for await (const chunk of req) s += chunk;
  return s ? JSON.parse(s) : {};
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const b = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
  res.end(b);
}

export function shopApp(sessions: Sessions<Data>) {
  return withSessions(sessions, async (req, res, session) => {
    const url = req.url ?? '/';
    if (req.method === 'POST' && url === '/login') {
      const { user } = await body(req);
      await session.login(user!);
      return json(res, 200, { user });
    }
    if (req.method === 'GET' && url === '/me') {
      const user = requireUser(session);
      return json(res, 200, { user, cart: session.get('cart') ?? [], visits: session.get('visits') ?? 0 });
    }
    if (req.method === 'POST' && url === '/cart') {
      requireUser(session);
      const { item } = await body(req);
      session.update('cart', (cart = []) => [...cart, item!]);
      return json(res, 200, { ok: true });
    }
    if (req.method === 'POST' && url === '/logout') {
      await session.logout();
      return json(res, 200, { ok: true });
    }
    if (req.method === 'GET' && url === '/redirect-after-write') {
      session.update('visits', (n = 0) => n + 1);
      res.writeHead(303, { location: '/me' });
      return res.end();
    }
    if (req.method === 'GET' && url === '/boom') throw new Error('database password is hunter2');
    return json(res, 404, { error: { code: 'NOT_FOUND' } });
  });
}
