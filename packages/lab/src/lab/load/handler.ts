/**
 * One request in flight: undici's dispatch handler and the virtual user's request slot in one
 * object, reused from request to request. It uses undici's callback handler form, which hands
 * over the answer's headers as raw buffers: the byte count needs only their lengths, and only
 * the three headers the lab reads (`x-instance-id`, `set-cookie`, `session-token`) become
 * strings. The body is kept only when the user will check it.
 */
import type { Dispatcher } from 'undici';
import { RequestSlot, type VirtualUsers } from './users.js';

/** What the handlers call back into. */
export interface Sink {
  now(): number;
  answered(h: InFlight): void;
  failed(h: InFlight, err: Error): void;
  instance(value: Buffer): string;
  /** A GET answer's headers, for what a shared cache may do with it. */
  cacheable(h: InFlight, status: number, raw: Buffer[]): void;
  readonly users: VirtualUsers;
}

const X_INSTANCE_ID = Buffer.from('x-instance-id');
const SET_COOKIE = Buffer.from('set-cookie');
const SESSION_TOKEN = Buffer.from('session-token');
const EMPTY = Buffer.alloc(0);

/** Whether a header name equals `lower` ignoring ASCII case (header names are tokens). */
function isName(name: Buffer, lower: Buffer): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) if ((name[i]! | 0x20) !== lower[i]) return false;
  return true;
}

/** One request in flight: the user's slot, the undici handler, and what was measured. */
export class InFlight extends RequestSlot implements Dispatcher.DispatchHandler {
  readonly opts: Dispatcher.DispatchOptions = { path: '/', method: 'GET', headers: this.headers, body: null };
  intendedMs = 0;
  dispatchMs = 0;
  sentMs = -1;
  status = 0;
  requestBytes = 0;
  responseBytes = 0;
  setCookieBytes = 0;
  instance: string | null = null;
  collect = false;
  chunks: Buffer[] | null = null;

  constructor(readonly sink: Sink) {
    super();
  }

  // undici's handler (the callback form: it hands over raw header buffers, unparsed).

  onConnect(): void {
    // Called as the request is written to a socket: the actual send. (Again on a retry.)
    this.sentMs = this.sink.now();
  }

  onHeaders(statusCode: number, raw: Buffer[], _resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx: the final answer follows
    this.status = statusCode;
    // "HTTP/1.1 200 OK\r\n" and the blank line that ends the headers.
    let bytes = 17 + statusText.length;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      const value = raw[i + 1]!;
      const line = name.length + value.length + 4;
      bytes += line;
      if (name.length === 13) {
        if (isName(name, X_INSTANCE_ID)) this.instance = this.sink.instance(value);
        else if (isName(name, SESSION_TOKEN)) {
          this.setCookieBytes += line;
          if (!this.anonymous) this.sink.users.setToken(this.user, value.toString('latin1'));
        }
      } else if (name.length === 10 && isName(name, SET_COOKIE)) {
        this.setCookieBytes += line;
        // An anonymous visitor's cookie is not the user's session.
        if (!this.anonymous) this.sink.users.setCookie(this.user, value.toString('latin1'));
      }
    }
    if (this.method === 'GET') this.sink.cacheable(this, statusCode, raw);
    this.responseBytes = bytes;
    this.collect = this.needsBody && statusCode === 200;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.responseBytes += chunk.length;
    if (this.collect) {
      if (this.chunks === null) this.chunks = [chunk];
      else this.chunks.push(chunk);
    }
    return true;
  }

  onComplete(): void {
    this.sink.answered(this);
  }

  onError(err: Error): void {
    this.sink.failed(this, err);
  }

  /** The answer's body, when the user asked for it. */
  answerBody(): Buffer | null {
    if (!this.collect) return null;
    const c = this.chunks;
    if (c === null) return EMPTY;
    return c.length === 1 ? c[0]! : Buffer.concat(c);
  }

  reset(): void {
    this.sentMs = -1;
    this.status = 0;
    this.responseBytes = 0;
    this.setCookieBytes = 0;
    this.instance = null;
    this.collect = false;
    this.chunks = null;
  }
}
