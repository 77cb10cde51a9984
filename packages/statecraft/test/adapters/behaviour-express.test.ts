import express from 'express';
import type { Sessions } from 'statecraft';
import { requireUser, sessionErrorHandler, sessionMiddleware } from 'statecraft/adapters/express';
import { listen } from '../helpers/http.js';
import { behaviourSuite, type ShopData } from './behaviour.js';
import { STRATEGIES } from './strategies.js';

declare global {
  namespace Statecraft {
    interface Register {
      data: ShopData;
    }
  }
}

function shop(sessions: Sessions<ShopData>): express.Express {
  const app = express();
  app.use(express.json());
  app.use(sessionMiddleware(sessions));
  app.post('/login', async (req, res) => {
    const { user } = req.body as { user: string };
    await req.session.login(user);
    res.json({ user });
  });
  app.get('/me', (req, res) => {
    const user = requireUser(req.session);
    // Property-style reads, as with express-session.
    res.json({ user, cart: req.session.cart ?? [], visits: req.session.visits ?? 0 });
  });
  app.post('/cart', (req, res) => {
    requireUser(req.session);
    const { item } = req.body as { item: string };
    req.session.update('cart', (cart = []) => [...cart, item]);
    res.json({ ok: true });
  });
  // express-session's callback style.
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  app.post('/regenerate', (req, res, next) => {
    requireUser(req.session);
    req.session.regenerate((err) => (err ? next(err) : res.json({ ok: true })));
  });
  app.get('/redirect-after-write', (req, res) => {
    req.session.visits = (req.session.visits ?? 0) + 1;
    res.redirect(303, '/me');
  });
  app.use(sessionErrorHandler());
  return app;
}

behaviourSuite(
  { name: 'Express', start: (sessions) => listen(shop(sessions) as unknown as Parameters<typeof listen>[0]) },
  STRATEGIES,
);
