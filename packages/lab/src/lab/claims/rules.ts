/**
 * The claim rules, one per claim C1–C13, and `evaluateClaims`, which runs them over a report.
 * A verdict comes from the run's figures, never written in; when the run is INVALID (the
 * generator could not hold its rate or was saturated) the figures are kept for inspection but
 * every verdict is `inconclusive`.
 */
import type { ClaimResult, LabReport } from '../model.js';
import { c01 } from './c01.js';
import { c02 } from './c02.js';
import { c03 } from './c03.js';
import { c04 } from './c04.js';
import { c05 } from './c05.js';
import { c06 } from './c06.js';
import { c07 } from './c07.js';
import { c08 } from './c08.js';
import { c09 } from './c09.js';
import { c10 } from './c10.js';
import { c11 } from './c11.js';
import { c12 } from './c12.js';
import { c13 } from './c13.js';
import type { ClaimRule } from './reader.js';

/** Every rule, by claim id, in claim order. */
export const RULES: Readonly<Record<string, ClaimRule>> = {
  C1: c01,
  C2: c02,
  C3: c03,
  C4: c04,
  C5: c05,
  C6: c06,
  C7: c07,
  C8: c08,
  C9: c09,
  C10: c10,
  C11: c11,
  C12: c12,
  C13: c13,
};

/**
 * Runs every rule over the report's modes.
 *
 * @throws MetricError when a rule needs a metric the run did not produce: a missing figure
 * stops the evaluation rather than letting a claim pass.
 * @example
 * report.claims = evaluateClaims(report);
 */
export function evaluateClaims(report: Pick<LabReport, 'valid' | 'invalidReasons' | 'modes'>): ClaimResult[] {
  const results = Object.values(RULES).map((rule) => rule(report.modes));
  if (report.valid) return results;
  const why = report.invalidReasons.length > 0 ? report.invalidReasons.join('; ') : 'no reason recorded';
  return results.map((c) => ({
    ...c,
    verdict: 'inconclusive',
    reason: `No verdict: the run is INVALID (${why}). The figures are kept for inspection only.`,
  }));
}
