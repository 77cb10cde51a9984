/**
 * The balancer's per-instance counters. They are kept by instance id, not by backend object, so
 * an instance that is removed and comes back (a restart on the same id) adds to the same row.
 */

export interface BackendCounters {
  /** Attempts sent to this instance (a retried request counts once on each instance tried). */
  requests: number;
  /** Attempts that got no complete response: refused, reset, timed out, cut mid-body. */
  errors: number;
  /** Requests that failed here and were sent again to another instance. */
  retries: number;
  /** Requests sent and not finished yet. */
  inFlight: number;
  /** Bytes sent to the instance: request line, headers and body (headers approximated). */
  bytesIn: number;
  /** Bytes sent back to clients from this instance: status line, headers and body. */
  bytesOut: number;
  /** Responses by status class. */
  status: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** WebSockets open through this instance now, and in all. */
  websockets: number;
  websocketsTotal: number;
  /** How many times health checks or failed connections took it out of the pool. */
  ejections: number;
}

/** Requests the balancer answered itself. */
export interface UnroutedCounters {
  /** 503: no healthy instance. */
  noBackend: number;
  /** 502: the instance failed and the request could not (or may not) be retried. */
  badGateway: number;
  /** 504: the instance did not answer in time. */
  gatewayTimeout: number;
  /** 413: request body over the limit. */
  tooLarge: number;
}

export function newBackendCounters(): BackendCounters {
  return {
    requests: 0,
    errors: 0,
    retries: 0,
    inFlight: 0,
    bytesIn: 0,
    bytesOut: 0,
    status: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    websockets: 0,
    websocketsTotal: 0,
    ejections: 0,
  };
}

export function newUnroutedCounters(): UnroutedCounters {
  return { noBackend: 0, badGateway: 0, gatewayTimeout: 0, tooLarge: 0 };
}

export function countStatus(c: BackendCounters, status: number): void {
  const k = status < 200 ? '1xx' : status < 300 ? '2xx' : status < 400 ? '3xx' : status < 500 ? '4xx' : '5xx';
  c.status[k]++;
}

/** Approximate size of a message head on the wire: start line plus `name: value\r\n` lines. */
export function headBytes(startLine: number, rawHeaders: readonly string[]): number {
  let n = startLine + 4;
  for (let i = 0; i < rawHeaders.length; i += 2) n += rawHeaders[i]!.length + rawHeaders[i + 1]!.length + 4;
  return n;
}
