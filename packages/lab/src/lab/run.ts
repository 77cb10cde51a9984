/**
 * The lab: every selected mode runs the same planned timeline on its own cluster, and one
 * `LabReport` collects what was measured, with the claims settled by the rules in `claims/`.
 * The same seed and configuration give the same plan and the same schedule hash.
 */
import { evaluateClaims } from './claims/index.js';
import { runContext } from './context.js';
import type { LiveCounters } from './live.js';
import { planSchedule, scheduleHash } from './load/index.js';
import { type Progress, runMode } from './mode-run.js';
import { type LabConfig, type LabReport, type ModeReport, REPORT_SCHEMA_VERSION } from './model.js';
import { planRun } from './plan.js';

export const DEFAULT_CONFIG: LabConfig = {
  modes: ['sticky', 'shared', 'stateless', 'hybrid'],
  instances: 3,
  balancer: 'builtin',
  store: 'sqlite',
  rate: 150,
  phaseSeconds: 2.5,
  warmupSeconds: 1.5,
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
): Promise<LabReport> {
  const started = Date.now();
  const plan = planRun(config);
  const modes: ModeReport[] = [];
  const invalidReasons: string[] = [];
  for (const mode of config.modes) {
    const t0 = Date.now();
    const { report, results } = await runMode(mode, config, plan, log, live);
    log(`${mode}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
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
