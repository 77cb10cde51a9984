/**
 * C13 — "Stateless responses are simple to cache; stateful data makes caching complex." Every GET
 * answer of the run is judged as a shared cache would (RFC 9111, via http-cache-semantics), with
 * sessions started lazily (the run) and eagerly (a probe with the same traffic), and behind nginx
 * a real `proxy_cache` counts the catalogue requests that still reach an instance.
 *
 * The claim holds when stateless's share of GET responses a shared cache may keep is clearly
 * higher (beyond CACHE_SHARE_MARGIN) than every stateful mode's, with lazy and with eager
 * sessions alike: then the architecture decides. When no mode differs from stateless but lazy
 * and eager sessions do, it depends on when sessions start, not on where state lives; when
 * stateless is ahead of some stateful modes only, it depends on which. Any response of a
 * logged-in user that a shared cache may store is a leak: in stateless it refutes "simple",
 * in a stateful mode it counts as that mode's caching being harder to get right.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, num, pct } from './format.js';
import type { MetricName } from './metrics.js';
import { FigureReader } from './reader.js';
import { MODE_ORDER, STATEFUL_MODES, STATELESS_MODE } from './roles.js';
import { CACHE_SHARE_MARGIN, compareBeyond } from './thresholds.js';

const SHARE = 'get_shareable_share';
const ANON = 'anonymous_shareable_share';
const AUTH_STORABLE = 'authenticated_storable_responses';
const EAGER_SHARE = 'eager_get_shareable_share';
const EAGER_ANON = 'eager_anonymous_shareable_share';
const EAGER_AUTH_STORABLE = 'eager_authenticated_storable_responses';
const PROXY_SENT = 'proxy_cache_catalogue_requests';
const PROXY_ORIGIN = 'proxy_cache_origin_requests';

const READS: readonly MetricName[] = [
  'get_responses',
  'get_shareable_responses',
  SHARE,
  'anonymous_get_responses',
  ANON,
  'authenticated_get_responses',
  AUTH_STORABLE,
  EAGER_SHARE,
  EAGER_ANON,
  EAGER_AUTH_STORABLE,
  PROXY_SENT,
  PROXY_ORIGIN,
];
/** The figures a verdict cannot do without (the nginx ones are reported when measured). */
const NEEDED: readonly MetricName[] = [
  SHARE,
  ANON,
  AUTH_STORABLE,
  EAGER_SHARE,
  EAGER_ANON,
  EAGER_AUTH_STORABLE,
];

/** `a–b` of a set of shares, or one figure when they agree to the displayed precision. */
function span(values: readonly number[]): string {
  const lo = pct(Math.min(...values));
  const hi = pct(Math.max(...values));
  return lo === hi ? lo : `${lo}–${hi}`;
}

/** The C13 rule. */
export function c13(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C13', modes, READS);
  const stateful = r.present(STATEFUL_MODES);
  const absent = r.missingModes(stateful.length ? [STATELESS_MODE] : [STATELESS_MODE, ...STATEFUL_MODES]);
  if (absent) return absent;
  const all = r.present(MODE_ORDER);
  const gap = r.unavailable(all, NEEDED);
  if (gap) return gap;

  const s = STATELESS_MODE;
  const says = (m: Mode) =>
    `${m} ${pct(r.num(m, SHARE))} → ${pct(r.num(m, EAGER_SHARE))} (anonymous ${pct(r.num(m, ANON))} → ${pct(r.num(m, EAGER_ANON))})`;
  const leaks = all.filter((m) => r.num(m, AUTH_STORABLE) + r.num(m, EAGER_AUTH_STORABLE) > 0);
  const leakWords = leaks.length
    ? `A shared cache may store responses of logged-in users in ${list(leaks.map((m) => `${m} (${num(r.num(m, AUTH_STORABLE) + r.num(m, EAGER_AUTH_STORABLE))})`))}`
    : 'No response of a logged-in user was storable by a shared cache in any mode';
  const proxied = all.filter((m) => r.value(m, PROXY_SENT) !== null && r.value(m, PROXY_ORIGIN) !== null);
  const proxyWords = proxied.length
    ? `Behind nginx's proxy_cache, ${list(proxied.map((m) => `${m} ${num(r.num(m, PROXY_ORIGIN))} of ${num(r.num(m, PROXY_SENT))}`))} anonymous catalogue requests reached an instance`
    : "nginx's proxy_cache was not measured (it runs with --balancer nginx)";
  const said = `GET responses a shared cache may store and serve to others, lazy → eager sessions: ${list(all.map(says))}. ${leakWords}. ${proxyWords}`;

  if (leaks.includes(s)) {
    return r.result('does not hold', `${said}: stateless responses were not safe to cache.`);
  }
  // Stateless clearly ahead of m with this figure (a leaking stateful mode is behind by default).
  const ahead = (m: Mode, name: MetricName) =>
    leaks.includes(m) || compareBeyond(r.num(s, name), r.num(m, name), CACHE_SHARE_MARGIN) > 0;
  const lazyAhead = stateful.filter((m) => ahead(m, SHARE));
  const eagerAhead = stateful.filter((m) => ahead(m, EAGER_SHARE));
  const both = stateful.filter((m) => lazyAhead.includes(m) && eagerAhead.includes(m));
  if (both.length === stateful.length) {
    return r.result('holds', `${said}: stateless is the more cacheable with lazy and with eager sessions.`);
  }
  if (lazyAhead.length > 0 || eagerAhead.length > 0) {
    const where = (ms: readonly Mode[], when: string) => (ms.length ? `${list(ms)} ${when}` : null);
    const cases = [where(lazyAhead, 'with lazy sessions'), where(eagerAhead, 'with eager sessions')];
    return r.result(
      'depends',
      `Stateless is more cacheable than ${list(cases.filter((c): c is string => c !== null))} only, not in every case. ${said}.`,
    );
  }
  // No architecture stands out: does starting sessions late make the difference?
  const byTiming = all.filter(
    (m) => compareBeyond(r.num(m, ANON), r.num(m, EAGER_ANON), CACHE_SHARE_MARGIN) > 0,
  );
  if (byTiming.length > 0) {
    return r.result(
      'depends',
      `It depends on when sessions start, not on where state lives: with lazy sessions ${span(all.map((m) => r.num(m, ANON)))} of anonymous GET responses may be shared (${span(all.map((m) => r.num(m, SHARE)))} of all GETs) in every mode, with eager sessions ${span(all.map((m) => r.num(m, EAGER_ANON)))}. ${said}.`,
    );
  }
  return r.result('does not hold', `${said}: stateless responses were no more cacheable than stateful ones.`);
}
