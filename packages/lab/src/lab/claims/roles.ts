/**
 * Which mode plays which part in the claims. The seeds speak of "stateful" and "stateless"
 * servers; in the lab, stateful means the session lives on the server side (`sticky` in each
 * instance's memory, `shared` in a store), stateless means it travels in the token, and the
 * seeds' hybrid — stateless web servers with a stateful session server — is both `shared` and
 * `hybrid`.
 */
import type { Mode, ModeReport } from '../model.js';

/** Every mode, in the order every output lists them. */
export const MODE_ORDER: readonly Mode[] = ['sticky', 'shared', 'stateless', 'hybrid'];

/** The modes a claim means by "stateful". */
export const STATEFUL_MODES: readonly Mode[] = ['sticky', 'shared'];

/** The mode a claim means by "stateless". */
export const STATELESS_MODE: Mode = 'stateless';

/** The forms of the seeds' hybrid, "stateless web servers with a stateful session server" (C11). */
export const HYBRID_FORMS: readonly Mode[] = ['shared', 'hybrid'];

/**
 * A mode in words, for the condition of a `depends` verdict.
 *
 * @example
 * describeMode({ mode: 'shared', store: 'sqlite', … }) // 'a sqlite store (shared)'
 * describeMode({ mode: 'sticky', … }, '75 failed') // 'an in-memory map (sticky: 75 failed)'
 */
export function describeMode(m: Pick<ModeReport, 'mode' | 'store'>, detail?: string): string {
  const tag = detail ? `${m.mode}: ${detail}` : m.mode;
  switch (m.mode) {
    case 'sticky':
      return `an in-memory map (${tag})`;
    case 'shared':
      return `a ${m.store} store (${tag})`;
    case 'stateless':
      return `a token (${tag})`;
    case 'hybrid':
      return `a short-lived token over a ${m.store} store (${tag})`;
  }
}
