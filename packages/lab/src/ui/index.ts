/**
 * `statecraft lab --ui`: the dashboard around a lab run. Ctrl-C (or SIGTERM) first stops the
 * load as the page's Stop button does; the run then finishes its probes and its report, which
 * the page shows until the next Ctrl-C.
 */
import type { ModeHooks } from '../lab/mode-run.js';
import type { LabConfig, LabReport, Mode } from '../lab/model.js';
import { startDashboard } from './server.js';

export type { Dashboard, DashboardOptions } from './server.js';
export { startDashboard } from './server.js';

export interface OpenDashboardOptions {
  port: number;
  durationSeconds: number | null;
  log: (line: string) => void;
}

export interface OpenDashboard {
  hooks(mode: Mode): ModeHooks;
  finish(report: LabReport): void;
  fail(message: string): void;
  /** Keeps the page up with the report until SIGINT or SIGTERM, then closes it. */
  keepOpen(): Promise<void>;
}

export async function openDashboard(config: LabConfig, o: OpenDashboardOptions): Promise<OpenDashboard> {
  const dashboard = await startDashboard({ config, port: o.port, durationSeconds: o.durationSeconds });
  o.log(`dashboard: ${dashboard.url}/`);
  const total = config.rate * config.modes.length;
  o.log(
    `${config.modes.join(', ')} side by side at ${config.rate} req/s each (${total} in all); ` +
      (o.durationSeconds === null
        ? 'Stop on the page or Ctrl-C ends the load'
        : `load for ${o.durationSeconds} s`),
  );
  // Each Ctrl-C (or SIGTERM) takes the run one step further.
  let step: 'load' | 'probes' | 'aborting' | 'report' = 'load';
  let close = () => {};
  const closed = new Promise<void>((resolve) => {
    close = resolve;
  });
  const onSignal = () => {
    if (step === 'load') {
      step = 'probes';
      o.log('stopping the load; the probes and the report follow (Ctrl-C again: no report)');
      dashboard.stop();
    } else if (step === 'probes') {
      step = 'aborting';
      o.log('aborting: each cluster stops once its current probe is over (Ctrl-C again: exit now)');
      dashboard.abort();
    } else if (step === 'aborting') process.exit(130);
    else close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Stopped from the page or by --duration: the next Ctrl-C skips the probes.
  void dashboard.stopped.then(() => {
    if (step === 'load') step = 'probes';
  });
  return {
    hooks: (mode) => dashboard.hooks(mode),
    finish: (report) => dashboard.finish(report),
    fail: (message) => dashboard.fail(message),
    async keepOpen() {
      step = 'report';
      o.log(`the dashboard shows the report at ${dashboard.url}/ until Ctrl-C`);
      await closed;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await dashboard.close();
    },
  };
}
