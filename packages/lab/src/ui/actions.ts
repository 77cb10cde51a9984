/**
 * The lane operations of the dashboard beyond one instance: a rolling restart, a store restart
 * and "log out everywhere". Each is registered on the lane's cluster and pressed through its
 * control API (`POST /actions/:name`), like kill, drain and restart.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Cluster } from '../cluster/index.js';
import { roll } from '../lab/mode-run.js';
import { probeRevocation } from '../lab/probes/revocation.js';

/** How long a store restart keeps the SQLite database locked. */
export const STORE_OUTAGE_MS = 1500;

/** Whether the lane's store can be restarted by the lab, or why not. */
export function storeRestartable(cluster: Cluster): true | string {
  const store = cluster.env.STATECRAFT_STORE;
  if (store === undefined) return 'this mode has no store';
  if (store === 'memory') return 'each instance keeps its sessions in its own memory';
  if (store.startsWith('sqlite:')) return true;
  return 'the store is a server the lab does not run';
}

/**
 * SQLite has no server to restart: what the instances see of a restart is a store that does not
 * answer for a moment and then has everything back. A separate process (so that the lab's own
 * event loop, which runs the load, never waits) takes the database's exclusive lock for
 * `STORE_OUTAGE_MS`: writes wait up to their busy timeout, then fail; nothing is lost.
 */
async function lockSqlite(file: string): Promise<void> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `const D = require(${JSON.stringify(driver)});
const db = new D(process.argv[1], { timeout: 5000 });
db.exec('BEGIN EXCLUSIVE');
setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${STORE_OUTAGE_MS});`;
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, ['-e', script, file], { timeout: STORE_OUTAGE_MS + 10_000 }, (e) =>
      e ? reject(new Error('the store could not be locked')) : resolve(),
    ),
  );
}

let probeUsers = 0;

/** The operations, by the name the page posts to `/actions/:name`. */
export const LANE_ACTIONS: Readonly<Record<string, (c: Cluster) => Promise<unknown>>> = {
  roll: async (c) => {
    await roll(c, () => {});
    return { done: 'every instance drained and restarted in turn' };
  },
  'restart-store': async (c) => {
    const why = storeRestartable(c);
    if (why !== true) throw new Error(why);
    await lockSqlite(c.env.STATECRAFT_STORE!.slice('sqlite:'.length));
    return { done: `store unavailable for ${STORE_OUTAGE_MS} ms, then back` };
  },
  // One user logs in, logs out everywhere, and the old credential is replayed on each instance
  // until every one refuses it: the revocation delay of claim C8, by hand.
  'logout-everywhere': async (c) => {
    const r = await probeRevocation(c.url, c.supervisor.ready(), `dash-rev-${++probeUsers}`);
    return {
      done:
        r.delayMs === null
          ? `old credential still accepted: ${r.status}`
          : `old credential refused on every instance after ${Math.round(r.delayMs)} ms`,
    };
  },
};
