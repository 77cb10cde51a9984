/**
 * Chat over WebSocket at `/chat`: the upgrade is authenticated by the session (the library's
 * WebSocket adapter refuses it with 401 otherwise), a `{ text }` from a user is published on the
 * bus channel `chat` as `{ from, text, instance }`, and every instance hands each line it hears
 * to all of its own open sockets, the sender's included. A socket is closed by the adapter when
 * its session is revoked on any instance (4001) or expires (4002).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Session, Sessions } from 'statecraft';
import { attachSessions } from 'statecraft/adapters/websocket';
import type { Bus } from 'statecraft/bus/memory';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { ChatMessage, MAX_CHAT_TEXT, type ShopData } from './shop.js';

/** The bus channel chat lines travel on. */
export const CHAT_CHANNEL = 'chat';
/** The WebSocket path. */
export const CHAT_PATH = '/chat';

/** A line as published on the bus and delivered to sockets. */
export interface ChatLine {
  from: string;
  text: string;
  /** The instance the sender is connected to. */
  instance: string;
}

export interface ChatOptions {
  server: Server;
  sessions: Sessions<ShopData>;
  bus: Bus;
  instanceId: string;
  /** Milliseconds between pings that drop dead peers. @default 30000 */
  heartbeatInterval?: number;
  /** Reports errors that are neither the client's nor the bus's. */
  onError?: (e: unknown) => void;
}

export interface Chat {
  /** Resolves once this instance listens on the bus. */
  readonly ready: Promise<void>;
  /** Open chat sockets on this instance. */
  readonly size: number;
  /** Closes every socket with 1001 (going away), stops upgrades and leaves the bus channel. */
  close(): Promise<void>;
}

/** The largest frame a client may send: a `{ text }` of `MAX_CHAT_TEXT` characters, escaped. */
const MAX_PAYLOAD = 8 * MAX_CHAT_TEXT;

function reply(ws: WebSocket, code: string, message: string): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ error: { code, message } }));
}

/** Attaches the chat to `server`'s upgrades. */
export function attachChat(o: ChatOptions): Chat {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  const sockets = attachSessions(wss, o.sessions, {
    server: o.server,
    path: CHAT_PATH,
    heartbeatInterval: o.heartbeatInterval,
    onError: o.onError,
  });

  // The adapter passes the session as a third argument, after ws's own two.
  wss.on('connection', (ws: WebSocket, _req: IncomingMessage, session?: Session<ShopData>) => {
    const from = session!.userId!; // the adapter lets only authenticated sessions through
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return reply(ws, 'BAD_INPUT', 'send text frames');
      let value: unknown;
      try {
        value = JSON.parse(data.toString());
      } catch {
        return reply(ws, 'BAD_JSON', 'a message is JSON: {"text": "…"}');
      }
      const m = ChatMessage.safeParse(value);
      if (!m.success)
        return reply(ws, 'BAD_INPUT', `a message is {"text"} of 1 to ${MAX_CHAT_TEXT} characters`);
      const line: ChatLine = { from, text: m.data.text, instance: o.instanceId };
      o.bus.publish(CHAT_CHANNEL, JSON.stringify(line)).catch(() => {
        reply(ws, 'STORE_UNAVAILABLE', 'the bus is unavailable: the message was not delivered');
      });
    });
  });

  let off: (() => Promise<void>) | null = null;
  const ready = o.bus
    .subscribe(CHAT_CHANNEL, (line) => {
      for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(line);
    })
    .then((unsubscribe) => {
      off = unsubscribe;
    });
  // Whoever awaits `ready` sees a failure; an unawaited one must not crash the process.
  ready.catch(() => {});

  return {
    ready,
    get size() {
      return sockets.size;
    },
    async close() {
      sockets.close();
      // Not awaited: its callback waits for every peer to answer the close, which the drain
      // deadline bounds instead.
      wss.close();
      await ready.catch(() => {});
      await (off as (() => Promise<void>) | null)?.();
    },
  };
}
