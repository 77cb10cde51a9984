/**
 * The control API's network routes:
 *
 *   GET /net               every link that is on: settings, one-way delay, each proxy's figures
 *   GET /net/:link         one link (`store` or `instances`)
 *   PUT /net/:link         changes it: a JSON object such as {"rttMs": 0.5, "fault": "blackhole"}
 *
 * The body is read with a size limit before it is parsed; bad settings answer 400 with the code
 * `NET_BAD_SETTINGS`, a link the cluster does not have answers 404 `NET_NO_LINK`.
 */
import type { IncomingMessage } from 'node:http';
import { LINK_NAMES, type LinkName, type NetLinks } from './links.js';
import { LinkSettingsError } from './settings.js';

const MAX_BODY = 4096;

/** An answer for the control server to send. */
export interface NetAnswer {
  status: number;
  body: unknown;
}

const fail = (status: number, code: string, message: string): NetAnswer => ({
  status,
  body: { error: { code, message } },
});

/**
 * Reads the body now: call before the first `await` of the request's handling, since the
 * control server lets unread bodies flow away.
 */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= MAX_BODY) parts.push(d);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Serves a `/net` request; `parts` is the path split on `/` (first part `net`). */
export async function netRoute(
  req: IncomingMessage,
  parts: readonly string[],
  net: NetLinks | null,
): Promise<NetAnswer> {
  const method = req.method ?? 'GET';
  const body = method === 'PUT' ? readBody(req) : null;
  if (net === null) return fail(404, 'NET_NO_LINK', 'this cluster runs without fault proxies');
  if (parts.length === 1) {
    if (method !== 'GET') return fail(405, 'METHOD_NOT_ALLOWED', 'GET');
    return { status: 200, body: { links: await net.states() } };
  }
  const name = parts[1] as LinkName;
  if (parts.length !== 2 || !LINK_NAMES.includes(name) || !net.has(name)) {
    return fail(404, 'NET_NO_LINK', `links are ${LINK_NAMES.join(' and ')}, when the cluster has them`);
  }
  if (method === 'GET') return { status: 200, body: await net.state(name) };
  if (method !== 'PUT' || body === null) return fail(405, 'METHOD_NOT_ALLOWED', 'GET or PUT');
  const text = await body;
  if (text === null) return fail(413, 'BODY_TOO_LARGE', `at most ${MAX_BODY} bytes`);
  let change: unknown;
  try {
    change = JSON.parse(text);
  } catch {
    return fail(400, 'NET_BAD_SETTINGS', 'the body is not JSON');
  }
  try {
    return { status: 200, body: await net.set(name, change) };
  } catch (e) {
    if (e instanceof LinkSettingsError) return fail(400, e.code, e.message);
    throw e;
  }
}
