/** Express 5 with no session at all: the ceiling any session middleware is measured against. */
import express from 'express';
import { CART, ready } from './common.js';

const app = express();
app.post('/login', (_req, res) => {
  res.setHeader('set-cookie', 'sid=none; Path=/; HttpOnly');
  res.json({ ok: true });
});
app.get('/me', (_req, res) => {
  res.json({ user: 'bench', cart: CART, visits: 0 });
});
app.get('/touch', (_req, res) => {
  res.json({ ok: true });
});
app.post('/visit', (_req, res) => {
  res.json({ visits: 1 });
});

const server = app.listen(0, '127.0.0.1', () => {
  const a = server.address();
  ready(typeof a === 'object' && a ? a.port : 0, () => {});
});
