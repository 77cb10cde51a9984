/**
 * What a balancing policy is: given a request's affinity inputs and the healthy backends, pick
 * one. Policies are pure and synchronous (no I/O on the request path); the balancer does the
 * health checks, retries and counting around them.
 */

export const POLICIES = ['round-robin', 'least-conn', 'sticky-cookie', 'consistent-hash'] as const;
export type PolicyName = (typeof POLICIES)[number];

/** A backend as a policy sees it. */
export interface Candidate {
  readonly id: string;
  /** Requests sent to it that have not finished yet. */
  readonly inFlight: number;
}

/** The parts of a request a policy may look at. */
export interface PickInput {
  /** The `Cookie` header, as received. */
  readonly cookie: string | undefined;
  /** The client's address (the socket's; the balancer is the first proxy). */
  readonly address: string;
}

export interface Policy {
  readonly name: PolicyName;
  /** One of `pool` (the healthy backends, never empty), or `undefined` when none fits. */
  pick<C extends Candidate>(input: PickInput, pool: readonly C[]): C | undefined;
  /**
   * A `Set-Cookie` value to add to the response that `chosen` sends, or `null`. Only the
   * sticky policy sets one: the affinity cookie, on the first response and after a move.
   */
  affinity?(input: PickInput, chosen: Candidate): string | null;
}

/** The value of cookie `name` in a `Cookie` header, without a full parse (this runs per request). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let from = 0;
  for (;;) {
    const at = header.indexOf(name, from);
    if (at === -1) return undefined;
    from = at + name.length;
    // The name must start the header or follow "; ", and be followed by "=".
    let j = at - 1;
    while (j >= 0 && header[j] === ' ') j--;
    if ((j < 0 || header[j] === ';') && header[from] === '=') {
      const end = header.indexOf(';', from + 1);
      return header.slice(from + 1, end === -1 ? undefined : end).trim();
    }
  }
}
