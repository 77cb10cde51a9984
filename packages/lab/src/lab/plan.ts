/**
 * The fault timeline as data: each mode's run is a fixed sequence of phases, planned before
 * anything starts, so the same configuration and seed give the same plan (and the same hash in
 * report.json), and every fault's start and end land in the report as bands on the charts.
 */
import type { FaultEvent, LabConfig, PhaseKind } from './model.js';

export interface FaultPlan {
  kind: FaultEvent['kind'];
  /** Instance id, when the fault targets one. */
  target?: string;
}

export interface PhasePlan {
  name: string;
  kind: PhaseKind;
  /** Milliseconds from the start of the mode's load. */
  startMs: number;
  endMs: number;
  /** What the orchestrator does as the phase begins. */
  fault?: FaultPlan;
}

export interface RunPlan {
  phases: PhasePlan[];
  durationMs: number;
}

/**
 * The default timeline: warm-up (never in a verdict), baseline, SIGKILL of one instance, the
 * surviving instances alone (the dead one restarts as the phase ends), a rolling restart of
 * every instance, and a last quiet phase.
 */
export function planRun(c: Pick<LabConfig, 'warmupSeconds' | 'phaseSeconds'>): RunPlan {
  const phase = c.phaseSeconds * 1000;
  const steps: Array<Omit<PhasePlan, 'startMs' | 'endMs'> & { ms: number }> = [
    { name: 'warm-up', kind: 'warmup', ms: c.warmupSeconds * 1000 },
    { name: 'baseline', kind: 'baseline', ms: phase },
    { name: 'kill', kind: 'fault', ms: phase, fault: { kind: 'kill', target: 'i1' } },
    { name: 'after-kill', kind: 'recovery', ms: phase },
    { name: 'roll', kind: 'fault', ms: 2 * phase, fault: { kind: 'roll' } },
    { name: 'after-roll', kind: 'recovery', ms: phase },
  ];
  let t = 0;
  const phases = steps.map(({ ms, ...p }) => {
    const planned = { ...p, startMs: t, endMs: t + ms };
    t += ms;
    return planned;
  });
  return { phases, durationMs: t };
}
