import Fastify, { type FastifyInstance } from 'fastify';
import type { Sessions } from 'statecraft';
import { requireUser, statecraftPlugin } from 'statecraft/adapters/fastify';
import { behaviourSuite, type RunningServer, type ShopData } from './behaviour.js';
import { STRATEGIES } from './strategies.js';

declare global {
  namespace Statecraft {
    interface Register {
      data: ShopData;
    }
  }
}

function shop(sessions: Sessions<ShopData>): FastifyInstance {
  const app = Fastify();
  app.register(statecraftPlugin, { sessions });
  app.post('/login', async (request) => {
    const { user } = request.body as { user: string };
    await request.session.login(user);
    return { user };
  });
  app.get('/me', async (request) => {
    const user = requireUser(request.session);
    return { user, cart: request.session.get('cart') ?? [], visits: request.session.get('visits') ?? 0 };
  });
  app.post('/cart', async (request) => {
    requireUser(request.session);
    const { item } = request.body as { item: string };
    request.session.update('cart', (cart = []) => [...cart, item]);
    return { ok: true };
  });
  app.post('/logout', async (request) => {
    await request.session.logout();
    return { ok: true };
  });
  app.post('/regenerate', async (request) => {
    requireUser(request.session);
    await request.session.regenerate();
    return { ok: true };
  });
  app.get('/redirect-after-write', async (request, reply) => {
    request.session.update('visits', (n = 0) => n + 1);
    return reply.redirect('/me', 303);
  });
  return app;
}

async function start(sessions: Sessions<ShopData>): Promise<RunningServer> {
  const app = shop(sessions);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

behaviourSuite({ name: 'Fastify', start }, STRATEGIES);
