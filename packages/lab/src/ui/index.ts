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

function nextSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
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
  void nextSignal().then(() => {
    o.log('stopping the load; the probes and the report follow (Ctrl-C again: no report)');
    dashboard.stop();
    // A second signal: the modes waiting for their probes stop their cluster and the run ends.
    void nextSignal().then(() => {
      o.log('aborting: each cluster stops once its current probe is over');
      dashboard.abort();
    });
  });
  return {
    hooks: (mode) => dashboard.hooks(mode),
    finish: (report) => dashboard.finish(report),
    fail: (message) => dashboard.fail(message),
    async keepOpen() {
      o.log(`the dashboard shows the report at ${dashboard.url}/ until Ctrl-C`);
      await nextSignal();
      await dashboard.close();
    },
  };
}
