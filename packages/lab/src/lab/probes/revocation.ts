/**
 * Claim C8: how long after "log out everywhere" an old credential is refused on every
 * instance. The probe logs in, copies the credential, logs out everywhere through the balancer,
 * then replays the copy against each instance directly until each refuses it. Where the mode
 * cannot end a credential before it expires (stateless), the answer is `never before expiry`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ProbeClient } from './client.js';

export interface RevocationResult {
  /** Milliseconds until every instance refused the old credential, or null. */
  delayMs: number | null;
  /** `measured`, or why there is no figure. */
  status: 'measured' | 'never before expiry' | 'not refused within the probe';
  /** Whether the server offered "log out everywhere" at all (501 in stateless). */
  supported: boolean;
}

export async function probeRevocation(
  base: string,
  instances: ReadonlyArray<{ port: number }>,
  user: string,
  limitMs = 3000,
): Promise<RevocationResult> {
  const client = new ProbeClient(base);
  await client.send('POST', '/login', { user });
  await client.send('POST', '/cart/items', { sku: 'revocation-probe', qty: 1 });
  // Instances that accept the credential before the revocation (in sticky, only its own).
  const direct = instances.map((i) => client.clone(`http://127.0.0.1:${i.port}`));
  const accepting: ProbeClient[] = [];
  for (const d of direct) if ((await d.send('GET', '/me')).status === 200) accepting.push(d);

  const copy = client.clone();
  const t0 = performance.now();
  const answer = await client.send('POST', '/logout-everywhere');
  const supported = answer.status === 200;
  if (!supported) await client.send('POST', '/logout');
  const start = supported ? t0 : performance.now();
  // Without "log out everywhere" the copy outlives a plain logout until it expires; a second of
  // replays shows it, the rest of the limit would only show it longer.
  const window = supported ? limitMs : Math.min(limitMs, 1000);

  const pending = new Set(accepting.length > 0 ? accepting : [copy]);
  while (pending.size > 0 && performance.now() - start < window) {
    for (const c of [...pending]) if ((await c.send('GET', '/me')).status === 401) pending.delete(c);
    if (pending.size > 0) await sleep(5);
  }
  if (pending.size === 0) return { delayMs: performance.now() - start, status: 'measured', supported };
  return {
    delayMs: null,
    status: supported ? 'not refused within the probe' : 'never before expiry',
    supported,
  };
}
