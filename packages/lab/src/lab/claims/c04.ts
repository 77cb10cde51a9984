/**
 * C4 — "Stateless requests carry all context, so more data is sent with every request;
 * stateful sends less." Mean request bytes on the wire over the baseline phase decide; the
 * credential and response sizes are reported beside them. Stateless sends more than a stateful
 * mode when its request bytes exceed that mode's beyond the bytes margin.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, num } from './format.js';
import { FigureReader } from './reader.js';
import { describeMode, STATEFUL_MODES, STATELESS_MODE } from './roles.js';
import { BYTES_MARGIN, compareBeyond } from './thresholds.js';

const REQ = 'request_bytes_per_req';
const RES = 'response_bytes_per_req';
const CRED = 'credential_bytes';

/** The C4 rule. */
export function c04(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C4', modes, [REQ, RES, CRED]);
  const stateful = r.present(STATEFUL_MODES);
  const absent = r.missingModes(stateful.length ? [STATELESS_MODE] : [STATELESS_MODE, ...STATEFUL_MODES]);
  if (absent) return absent;
  const gap = r.unavailable([STATELESS_MODE, ...stateful], [REQ]);
  if (gap) return gap;

  const s = STATELESS_MODE;
  const says = (m: Mode) => {
    const cred = r.value(m, CRED);
    const res = r.value(m, RES);
    return `${m} ${num(r.num(m, REQ))} B${cred === null ? '' : ` (credential ${num(cred)} B)`}${res === null ? '' : `, ${num(res)} B back`}`;
  };
  const more = stateful.filter((m) => compareBeyond(r.num(s, REQ), r.num(m, REQ), BYTES_MARGIN) > 0);
  const notMore = stateful.filter((m) => !more.includes(m));
  const perReq = `per request: ${list([s, ...stateful].map(says))}`;
  if (notMore.length === 0) return r.result('holds', `Stateless sends more ${perReq}.`);
  if (more.length === 0) return r.result('does not hold', `Stateless sends no more than stateful ${perReq}.`);
  return r.result(
    'depends',
    `Stateless sends more than ${list(more.map((m) => describeMode(r.mode(m))))}, not more than ${list(notMore.map((m) => describeMode(r.mode(m))))}, ${perReq}.`,
  );
}
