import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sessions } from 'statecraft';
import { requireUser, withSessions } from 'statecraft/adapters/node-http';
import { listen } from '../helpers/http.js';
import { behaviourSuite, type ShopData } from './behaviour.js';
import { STRATEGIES } from './strategies.js';

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

function shop(sessions: Sessions<ShopData>) {
  return withSessions(sessions, async (req, res, session) => {
    switch (`${req.method} ${req.url}`) {
      case 'POST /login': {
        const { user } = await body(req);
        await session.login(user!);
        return json(res, 200, { user });
      }
      case 'GET /me': {
        const user = requireUser(session);
        return json(res, 200, { user, cart: session.get('cart') ?? [], visits: session.get('visits') ?? 0 });
      }
      case 'POST /cart': {
        requireUser(session);
        const { item } = await body(req);
        session.update('cart', (cart = []) => [...cart, item!]);
        return json(res, 200, { ok: true });
      }
      case 'POST /logout':
        await session.logout();
        return json(res, 200, { ok: true });
      case 'POST /regenerate':
        requireUser(session);
        await session.regenerate();
        return json(res, 200, { ok: true });
      case 'GET /redirect-after-write':
        session.update('visits', (n = 0) => n + 1);
        res.writeHead(303, { location: '/me' });
        return res.end();
      default:
        return json(res, 404, { error: { code: 'NOT_FOUND' } });
    }
  });
}

behaviourSuite({ name: 'node:http', start: (sessions) => listen(shop(sessions)) }, STRATEGIES);
