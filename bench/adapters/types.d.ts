/** The little of autocannon and express-session the benchmarks use (neither ships types). */

declare module 'autocannon' {
  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (req: Request, context: Record<string, unknown>) => Request;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
    requests?: Request[];
  }
  interface Result {
    requests: { average: number; total: number };
    latency: { p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  export default function autocannon(o: Options): Promise<Result>;
}

declare module 'express-session' {
  import type { RequestHandler } from 'express';

  namespace session {
    class Store {}
  }
  function session(o: Record<string, unknown> & { store?: session.Store }): RequestHandler;
  export default session;
}
