/**
 * The scaling probe C7 reads: the same closed-model burst against the N instances of a
 * cluster, then against one (the others drained, started again afterwards). Offered more than
 * one instance can serve, the ratio says how much N instances gained.
 */
import type { Cluster } from '../../cluster/index.js';
import { createGenerator } from '../load/index.js';

/** Throughput of the burst with N instances and with one, and their ratio (null when one served nothing). */
export interface Scaling {
  throughput_n_instances: number;
  throughput_1_instance: number;
  scaling_ratio: number | null;
}

export async function probeScaling(cluster: Cluster, seed: number, durationMs = 1500): Promise<Scaling> {
  const burst = async () => {
    const g = createGenerator({ target: cluster.url, connections: 32 });
    g.beginPhase('burst', 'probe');
    const r = await g.runClosed({ users: 32, durationMs, seed });
    return r.phases[0]?.throughput ?? 0;
  };
  const tn = await burst();
  const others = cluster.supervisor.snapshot().slice(1);
  for (const i of others) await cluster.supervisor.drain(i.id);
  const t1 = await burst();
  for (const i of others) await cluster.supervisor.restart(i.id);
  return { throughput_n_instances: tn, throughput_1_instance: t1, scaling_ratio: t1 > 0 ? tn / t1 : null };
}
