/**
 * How a rule reads the run: by metric name, through a reader that records every figure it
 * reads (they become the claim's `figures`) and refuses, loudly, a name the run did not produce.
 * A metric that is present but null is a figure too (stateless revocation is null: "never
 * before expiry"); a rule that cannot decide without it says so with `unavailable()`.
 */
import type { ClaimResult, Mode, ModeReport, Verdict } from '../model.js';
import { claimSpec } from './catalogue.js';
import { isMetricName, type MetricName } from './metrics.js';
import { MODE_ORDER } from './roles.js';

/** Stable codes of the reader's errors. */
export type MetricErrorCode = 'METRIC_MISSING' | 'METRIC_UNKNOWN' | 'METRIC_MALFORMED' | 'METRIC_NOT_READ';

/**
 * A rule named a metric the run did not produce (or one that is not in the catalogue, or not a
 * number): the report cannot be judged, so evaluation stops instead of guessing.
 */
export class MetricError extends Error {
  override readonly name = 'MetricError';
  constructor(
    readonly code: MetricErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A claim rule: the report's modes in, one result out. */
export type ClaimRule = (modes: readonly ModeReport[]) => ClaimResult;

/**
 * The figures of one claim, read for every mode of the run when the reader is made.
 *
 * @example
 * const r = new FigureReader('C1', report.modes, ['sessions_lost_after_kill']);
 * r.value('sticky', 'sessions_lost_after_kill'); // 12
 */
export class FigureReader {
  readonly figures: Partial<Record<Mode, Record<string, number | null>>> = {};
  private readonly byMode = new Map<Mode, ModeReport>();

  /**
   * Reads `names` for every mode in `modes`.
   * @throws MetricError `METRIC_MISSING` when a mode lacks one of them, `METRIC_UNKNOWN` for a
   * name outside the catalogue, `METRIC_MALFORMED` for a value that is neither a finite number nor null.
   */
  constructor(
    readonly claimId: string,
    modes: readonly ModeReport[],
    readonly names: readonly MetricName[],
  ) {
    for (const name of names) {
      if (!isMetricName(name)) {
        throw new MetricError(
          'METRIC_UNKNOWN',
          `${claimId} names metric "${name}", which is not in the catalogue`,
        );
      }
    }
    const ordered = [...modes].sort((a, b) => MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode));
    for (const m of ordered) {
      this.byMode.set(m.mode, m);
      const row: Record<string, number | null> = {};
      for (const name of names) {
        if (!Object.hasOwn(m.metrics, name)) {
          throw new MetricError(
            'METRIC_MISSING',
            `${claimId} needs metric "${name}" but the ${m.mode} run did not produce it (metrics has: ${Object.keys(m.metrics).join(', ') || 'nothing'})`,
          );
        }
        const v = m.metrics[name];
        if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
          throw new MetricError(
            'METRIC_MALFORMED',
            `${m.mode} metric "${name}" is ${String(v)}, not a number or null`,
          );
        }
        row[name] = v ?? null;
      }
      this.figures[m.mode] = row;
    }
  }

  /** True when the run has this mode. */
  has(mode: Mode): boolean {
    return this.byMode.has(mode);
  }

  /** The modes of `wanted` this run has, in report order. */
  present(wanted: readonly Mode[]): Mode[] {
    return MODE_ORDER.filter((m) => wanted.includes(m) && this.byMode.has(m));
  }

  /** The mode's report (for its store, balancer and notes). */
  mode(mode: Mode): ModeReport {
    const m = this.byMode.get(mode);
    if (!m) throw new Error(`${this.claimId} asked for mode ${mode}, which this run does not have`);
    return m;
  }

  /** The figure, possibly null. */
  value(mode: Mode, name: MetricName): number | null {
    if (!this.names.includes(name)) {
      throw new MetricError('METRIC_NOT_READ', `${this.claimId} reads "${name}" without declaring it`);
    }
    const row = this.figures[mode];
    if (!row) throw new Error(`${this.claimId} asked for mode ${mode}, which this run does not have`);
    return row[name] ?? null;
  }

  /** The figure, which the rule has already checked is not null (see `gaps`). */
  num(mode: Mode, name: MetricName): number {
    const v = this.value(mode, name);
    if (v === null) throw new Error(`${this.claimId}: ${mode} ${name} is null; check gaps() first`);
    return v;
  }

  /** The note the orchestrator left for a figure, if any. */
  note(mode: Mode, name: MetricName): string | undefined {
    return this.byMode.get(mode)?.notes[name];
  }

  /** Which of `names` are null for `modes`, as `mode name (note)` strings. */
  gaps(modes: readonly Mode[], names: readonly MetricName[]): string[] {
    const out: string[] = [];
    for (const mode of modes) {
      for (const name of names) {
        if (this.value(mode, name) === null) {
          const note = this.note(mode, name);
          out.push(`${mode} ${name}${note ? ` (${note})` : ''}`);
        }
      }
    }
    return out;
  }

  /** The claim's result with the figures read so far. */
  result(verdict: Verdict, reason: string): ClaimResult {
    const spec = claimSpec(this.claimId);
    return {
      id: spec.id,
      claim: spec.claim,
      seeds: [...spec.seeds],
      figures: this.figures,
      verdict,
      reason,
    };
  }

  /** `inconclusive` because modes the rule compares are not in this run. */
  missingModes(needed: readonly Mode[]): ClaimResult | null {
    const absent = needed.filter((m) => !this.byMode.has(m));
    if (absent.length === 0) return null;
    return this.result(
      'inconclusive',
      `The rule compares ${needed.join(', ')}; this run has no ${absent.join(' or ')} mode.`,
    );
  }

  /** `inconclusive` because figures the rule needs are null; null when there are none. */
  unavailable(modes: readonly Mode[], names: readonly MetricName[]): ClaimResult | null {
    const gaps = this.gaps(modes, names);
    if (gaps.length === 0) return null;
    return this.result('inconclusive', `Figures the rule needs were not measured: ${gaps.join('; ')}.`);
  }
}
