/**
 * A tiny chat: log in over HTTP, then chat over a WebSocket authenticated by the same session.
 * Logging out (here or in another tab, or on another instance) closes the chat with 4001;
 * an idle session ends with 4002.
 *
 *   node --import tsx --conditions=statecraft-source examples/websocket/server.ts
 *   open http://localhost:3000 in two browsers
 *
 * Several instances (chat lines and logouts reach every one of them through Redis):
 *   REDIS_URL=redis://127.0.0.1:6379 PORT=3000 node --import tsx --conditions=statecraft-source examples/websocket/server.ts
 *   REDIS_URL=redis://127.0.0.1:6379 PORT=3001 node --import tsx --conditions=statecraft-source examples/websocket/server.ts
 *
 * Without a browser (the `ws` client sends the cookie curl stored):
 *   curl -c jar -X POST localhost:3000/login -d '{"user":"ada"}'
 *   node -e "const ws = new (require('ws'))('ws://localhost:3000/chat', { headers: { cookie: process.argv[1] } });
 *     ws.on('message', (m) => console.log(String(m))); ws.on('close', (c) => console.log('closed', c))" \
 *     "sid=$(awk '$6 == "sid" {print $7}' jar)"
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Session, Store } from 'statecraft';
import { createSessions, stateful } from 'statecraft';
import { withSessions } from 'statecraft/adapters/node-http';
import { attachSessions } from 'statecraft/adapters/websocket';
import type { Bus } from 'statecraft/bus/memory';
import { WebSocketServer } from 'ws';

const redisUrl = process.env.REDIS_URL;

async function backends(): Promise<{ store: Store; bus: Bus }> {
  if (redisUrl) {
    const { redisStore } = await import('statecraft/stores/redis');
    const { redisBus } = await import('statecraft/bus/redis');
    return {
      store: redisStore({ url: redisUrl, prefix: 'chat:' }),
      bus: redisBus({ url: redisUrl, prefix: 'chat:' }),
    };
  }
  const { memoryStore } = await import('statecraft/stores/memory');
  const { memoryBus } = await import('statecraft/bus/memory');
  return { store: memoryStore(), bus: memoryBus() };
}

const { store, bus } = await backends();
const sessions = createSessions(stateful({ store }), { bus, idle: 600 });

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) throw new Error('body too large');
  }
  return body ? JSON.parse(body) : {};
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

const server = createServer(
  withSessions(sessions, async (req, res, session) => {
    switch (`${req.method} ${req.url}`) {
      case 'GET /':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
        return;
      case 'GET /me':
        return send(res, 200, { user: session.userId });
      case 'POST /login': {
        const { user } = await readJson(req);
        if (typeof user !== 'string' || !/^[\w-]{1,32}$/.test(user))
          return send(res, 400, { error: 'bad user' });
        await session.login(user);
        return send(res, 200, { user });
      }
      case 'POST /logout':
        await session.logout(); // every chat socket of this session closes with 4001
        return send(res, 200, { ok: true });
      case 'POST /logout-everywhere':
        if (session.userId !== null) await sessions.revokeUser(session.userId);
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: 'not found' });
    }
  }),
);

const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
attachSessions(wss, sessions, { server, path: '/chat' });

// Chat lines go through the bus, so users connected to other instances see them too.
await bus.subscribe('chat', (line) => {
  for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(line);
});

wss.on('connection', (ws, _req, session?: Session) => {
  const user = session!.userId!; // attachSessions only lets authenticated sessions through
  ws.send(JSON.stringify({ from: 'server', text: `welcome, ${user}` }));
  ws.on('message', (data) => {
    const text = data.toString().slice(0, 500);
    bus.publish('chat', JSON.stringify({ from: user, text })).catch(() => {
      ws.send(JSON.stringify({ from: 'server', text: 'not delivered: the bus is unavailable' }));
    });
  });
});

await sessions.ready();
const port = Number(process.env.PORT ?? 3000);
server.listen(port, () =>
  console.log(`chat on http://localhost:${port} (${redisUrl ? 'Redis store and bus' : 'in memory'})`),
);

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>statecraft chat</title>
<style>body{font:16px system-ui;max-width:40em;margin:2em auto}#log{border:1px solid #ccc;height:20em;overflow:auto;padding:.5em}</style>
<h1>statecraft chat</h1>
<p id="who"></p>
<form id="login"><input id="user" placeholder="your name" required> <button>log in</button></form>
<p><button id="logout">log out</button> <button id="everywhere">log out everywhere</button></p>
<div id="log"></div>
<form id="say"><input id="text" autocomplete="off" size="50"> <button>send</button></form>
<script>
const $ = (id) => document.getElementById(id);
const line = (t) => { const p = document.createElement('div'); p.textContent = t; $('log').append(p); $('log').scrollTop = 1e9; };
const CLOSES = { 4001: 'session revoked: log in again', 4002: 'session expired: log in again', 4003: 'could not verify the session: retry later' };
let ws = null;
async function start() {
  if (ws) return;
  const { user } = await (await fetch('/me')).json();
  $('who').textContent = user ? 'logged in as ' + user : 'not logged in';
  if (!user || ws) return;
  const sock = (ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/chat'));
  sock.onmessage = (e) => { const m = JSON.parse(e.data); line(m.from + ': ' + m.text); };
  sock.onclose = (e) => {
    line('[closed ' + e.code + (CLOSES[e.code] ? ': ' + CLOSES[e.code] : '') + ']');
    if (ws === sock) ws = null;
    setTimeout(start, 500);
  };
}
const post = (path, body) => fetch(path, { method: 'POST', body: JSON.stringify(body ?? {}) });
// Logging in again ends the old session: its socket closes with 4001 and reconnects as the new user.
$('login').onsubmit = async (e) => { e.preventDefault(); await post('/login', { user: $('user').value }); start(); };
$('logout').onclick = () => post('/logout');
$('everywhere').onclick = () => post('/logout-everywhere');
$('say').onsubmit = (e) => { e.preventDefault(); ws?.send($('text').value); $('text').value = ''; };
start();
</script>`;
