/**
 * The claims the lab puts to the test, as written in CLAIMS.md: id, the claim in the seeds'
 * words, the seed documents that make it, and the measurement that settles it. Every output
 * takes the claim's text from here, so the report says exactly what was tested.
 */

/** One row of CLAIMS.md. */
export interface ClaimSpec {
  id: string;
  claim: string;
  /** Seed documents that make the claim, by number (`000` … `004`). */
  seeds: readonly string[];
  measurement: string;
}

/** Every claim, in order. */
export const CLAIMS: readonly ClaimSpec[] = [
  {
    id: 'C1',
    claim: 'A stateful server can lose session data when it crashes, unless special measures are taken',
    seeds: ['000', '001', '003'],
    measurement: 'SIGKILL one instance mid-run: users forced to log in again, cart items lost, per mode',
  },
  {
    id: 'C2',
    claim: 'Stateless servers are more fault tolerant: a failure affects only the request in flight',
    seeds: ['000', '001', '002', '003'],
    measurement: 'same fault: failed requests during and after the kill, per mode',
  },
  {
    id: 'C3',
    claim: 'Stateful servers use more memory per client',
    seeds: ['000', '001', '002'],
    measurement: 'server RSS and store bytes per 1,000 active sessions, per mode',
  },
  {
    id: 'C4',
    claim:
      'Stateless requests carry all context, so more data is sent with every request; stateful sends less',
    seeds: ['001', '002'],
    measurement: 'request and response bytes per request (cookie/token size), per mode',
  },
  {
    id: 'C5',
    claim: 'Stateless is faster: no session overhead; stateful adds latency',
    seeds: ['000', '001'],
    measurement: 'p50/p99 latency and throughput of the same scenario, per mode and store',
  },
  {
    id: 'C6',
    claim: 'Stateful load balancing needs sticky sessions; stateless works with plain round-robin',
    seeds: ['001', '002', '003'],
    measurement: "run sticky's memory sessions behind round-robin: share of requests that lose their session",
  },
  {
    id: 'C7',
    claim: 'Stateless scales horizontally more easily; stateful needs session sync',
    seeds: ['000', '001', '003'],
    measurement:
      'throughput with 1 and N instances, store operations per request, load skew across instances after an instance joins',
  },
  {
    id: 'C8',
    claim: 'Stateful gives central control: sessions are easy to invalidate',
    seeds: ['001', '002'],
    measurement:
      'time from logout / "log out everywhere" until the old credential is refused on every instance',
  },
  {
    id: 'C9',
    claim: 'Stateful keeps transaction integrity across requests; stateless requests are independent',
    seeds: ['000', '001', '004'],
    measurement: 'concurrent cart additions on one session: items lost, per mode',
  },
  {
    id: 'C10',
    claim: 'Stateless deployment is simpler: no state to sync on deploy',
    seeds: ['001', '003'],
    measurement: 'rolling restart of every instance under load: failed requests, sessions lost',
  },
  {
    id: 'C11',
    claim:
      'A hybrid — stateless web servers with a stateful session server — combines scalability and consistency',
    seeds: ['004'],
    measurement: 'shared and hybrid against sticky and stateless on C1, C5, C7, C8, C9',
  },
  {
    id: 'C12',
    claim: 'Stateless operations are idempotent: repeating one does not change the result',
    seeds: ['004'],
    measurement:
      'replay the same request (e.g. checkout with an idempotency key, or without) and compare the outcome',
  },
  {
    id: 'C13',
    claim: 'Stateless responses are simple to cache; stateful data makes caching complex',
    seeds: ['001', '002'],
    measurement:
      'share of GET responses a shared HTTP cache may store and serve to others (RFC 9111), and origin requests for a public page behind a real caching proxy, per mode, with sessions created lazily and eagerly',
  },
];

/** The claim with this id; throws for an id that is not in CLAIMS.md. */
export function claimSpec(id: string): ClaimSpec {
  const spec = CLAIMS.find((c) => c.id === id);
  if (!spec) throw new Error(`unknown claim id ${id}: CLAIMS.md lists ${CLAIMS.map((c) => c.id).join(', ')}`);
  return spec;
}
