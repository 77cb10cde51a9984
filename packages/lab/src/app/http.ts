/**
 * The HTTP plumbing of the reference app: JSON responses, the app's own error codes, and request
 * bodies read under a size limit before any parsing (OWASP ASVS 13.1.x: bound what a request may
 * make the server buffer).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from 'statecraft/adapters/node-http';
import type { z } from 'zod';

/** The app's own error codes (the library's codes come as `SessionError`s). */
export const APP_ERRORS = {
  BAD_JSON: 400,
  BAD_INPUT: 400,
  BAD_IDEMPOTENCY_KEY: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CART_EMPTY: 409,
  CART_FULL: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  DRAINING: 503,
  INTERNAL: 500,
} as const;

export type AppErrorCode = keyof typeof APP_ERRORS;

/** A refusal with a stable code; `fields` names the body fields that failed validation. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly fields?: string[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = APP_ERRORS[code];
  }

  toJSON(): { error: { code: AppErrorCode; message: string; fields?: string[] } } {
    return {
      error: { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) },
    };
  }
}

/** Sends `body` as JSON with its length. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Answers an error: an `HttpError` with its status and code, a `SessionError` with the
 * library's (via the adapter's `sendError`), anything else a bare 500 `INTERNAL`.
 */
export function sendFailure(res: ServerResponse, e: unknown): void {
  if (e instanceof HttpError) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A body left unread on the connection would be parsed as the next request.
    const headers: Record<string, string> = { ...e.headers };
    if (e.code === 'BODY_TOO_LARGE') headers.connection = 'close';
    sendJson(res, e.status, e.toJSON(), headers);
    return;
  }
  sendError(res, e);
}

/** True for `application/json` (with or without parameters), the only body type the app reads. */
export function isJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  const essence = type.split(';', 1)[0]!.trim().toLowerCase();
  return essence === 'application/json';
}

/** Throws 413 when `Content-Length` already says the body is over `limit`. */
export function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new HttpError('BODY_TOO_LARGE', `request bodies are limited to ${limit} bytes`);
  }
}

/**
 * Reads the body, refusing it with 413 once more than `limit` bytes arrived (a chunked body has
 * no `Content-Length` to check first); the rest is discarded unread.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  checkDeclaredLength(req, limit);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        cleanup();
        req.resume(); // drain and drop; the response closes the connection
        reject(new HttpError('BODY_TOO_LARGE', `request bodies are limited to ${limit} bytes`));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Reads a JSON body of at most `limit` bytes and validates it with `schema`: 415 when it is not
 * `application/json`, 413 when too large, 400 `BAD_JSON` when it does not parse, 400
 * `BAD_INPUT` (with the failing fields) when it does not match.
 */
export async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>, limit: number): Promise<T> {
  if (!isJson(req)) throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  const raw = await readBody(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError('BAD_JSON', 'the body is not valid JSON');
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const fields = [...new Set(r.error.issues.map((i) => i.path.map(String).join('.') || '(body)'))];
    throw new HttpError('BAD_INPUT', 'the body does not match what this route takes', fields);
  }
  return r.data;
}
