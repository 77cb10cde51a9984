/**
 * The lab: every selected mode runs the same planned timeline on its own cluster, and one
 * `LabReport` collects what was measured, with the claims settled by the rules in `claims/`.
 * The same seed and configuration give the same plan and the same schedule hash.
 */
import { evaluateClaims } from './claims/index.js';
import { runContext } from './context.js';
import type { LiveCounters } from './live.js';
import { planSchedule, scheduleHash } from './load/index.js';
import { type ModeHooks, type ModeRun, type Progress, runMode } from './mode-run.js';
import {
  type LabConfig,
  type LabReport,
  type Mode,
  type ModeReport,
  REPORT_SCHEMA_VERSION,
} from './model.js';
import { planRun } from './plan.js';

export const DEFAULT_CONFIG: LabConfig = {
  modes: ['sticky', 'shared', 'stateless', 'hybrid'],
  instances: 3,
  balancer: 'builtin',
  store: 'sqlite',
  rate: 150,
  phaseSeconds: 2,
  warmupSeconds: 1,
  users: 60,
  seed: 1,
  model: 'open',
  app: null,
};

/** The hash of everything planned for a run: arrivals and faults. */
export function planHash(config: LabConfig): string {
  const plan = planRun(config);
  const schedule = planSchedule({
    seed: config.seed,
    rate: config.rate,
    durationMs: plan.durationMs,
    users: config.users,
  });
  return scheduleHash(schedule, { plan, modes: config.modes, instances: config.instances });
}

export async function runLab(
  config: LabConfig,
  log: Progress = () => {},
  live?: LiveCounters,
  /** The live dashboard's part in each mode; with it the modes run side by side, not in turn. */
  hooks?: (mode: Mode) => ModeHooks,
): Promise<LabReport> {
  const started = Date.now();
  const plan = planRun(config);
  const modes: ModeReport[] = [];
  const invalidReasons: string[] = [];
  const one = async (mode: Mode): Promise<ModeRun> => {
    const t0 = Date.now();
    const h = hooks?.(mode);
    const run = await runMode(mode, config, plan, log, live, h).catch((e: unknown) => {
      // Said at once: side by side, the other modes may run on for minutes.
      log(`${mode}: failed: ${e instanceof Error ? e.message : String(e)}`);
      h?.failed?.(e);
      throw e;
    });
    log(`${mode}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return run;
  };
  // Side by side, every mode ends (and stops its cluster) before a failure of one is reported.
  const settled = hooks ? await Promise.allSettled(config.modes.map(one)) : [];
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const runs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  for (const mode of hooks ? [] : config.modes) runs.push(await one(mode));
  for (const [i, { report, results }] of runs.entries()) {
    const mode = config.modes[i]!;
    modes.push(report);
    // The generator's own verdict on itself: rate held, nothing dropped, not saturated.
    for (const r of results.health.reasons) invalidReasons.push(`${mode}: ${r}`);
  }
  const base = {
    schemaVersion: REPORT_SCHEMA_VERSION as typeof REPORT_SCHEMA_VERSION,
    ...runContext(),
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    config,
    seed: config.seed,
    scheduleHash: planHash(config),
    valid: invalidReasons.length === 0,
    invalidReasons,
    modes,
  };
  return { ...base, claims: evaluateClaims(base) };
}
