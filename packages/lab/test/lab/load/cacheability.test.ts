/**
 * The shared-cache verdicts on GET answers: what http-cache-semantics says a shared cache may
 * store, and the stricter "may serve it to another user", per shape of answer; and the
 * generator judging a run's real answers, anonymous catalogue views apart from logged-in reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CacheJudge,
  CREDENTIAL_AUTHORIZATION,
  CREDENTIAL_COOKIE,
} from '../../../src/lab/load/cacheability.js';
import { createGenerator } from '../../../src/lab/load/generator.js';
import { type RunningShop, startShop } from './helpers.js';

const raw = (headers: Record<string, string>): Buffer[] =>
  Object.entries(headers).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);

function judged(status: number, credential: number, headers: Record<string, string>) {
  const j = new CacheJudge();
  j.judge('/x', status, credential, raw(headers));
  const r = j.result();
  return credential === 0 ? r.anonymous : r.authenticated;
}

describe('CacheJudge', () => {
  it('lets a shared cache keep and share a public answer with a lifetime', () => {
    assert.deepEqual(judged(200, 0, { 'Cache-Control': 'public, max-age=60' }), {
      responses: 1,
      storable: 1,
      shareable: 1,
    });
  });

  it('refuses no-store and private answers', () => {
    assert.equal(judged(200, CREDENTIAL_COOKIE, { 'cache-control': 'no-store' }).storable, 0);
    assert.equal(judged(200, CREDENTIAL_COOKIE, { 'cache-control': 'private, max-age=60' }).storable, 0);
  });

  it('may store but never shares an answer that sets a cookie, varies on Cookie or has no lifetime', () => {
    const cookie = judged(200, 0, { 'cache-control': 'public, max-age=60', 'set-cookie': 'sid=x' });
    assert.deepEqual([cookie.storable, cookie.shareable], [1, 0]);
    const vary = judged(200, 0, { 'cache-control': 'public, max-age=60', vary: 'Accept, Cookie' });
    assert.deepEqual([vary.storable, vary.shareable], [1, 0]);
    const stale = judged(200, 0, { etag: '"a"' });
    assert.deepEqual([stale.storable, stale.shareable], [1, 0]);
  });

  it('refuses an answer to a request with Authorization unless the answer says public', () => {
    assert.equal(judged(200, CREDENTIAL_AUTHORIZATION, { 'cache-control': 'max-age=60' }).storable, 0);
    assert.equal(
      judged(200, CREDENTIAL_AUTHORIZATION, { 'cache-control': 'public, max-age=60' }).storable,
      1,
    );
  });

  it('counts every answer of a shape it has judged before, and tells shapes apart', () => {
    const j = new CacheJudge();
    for (let i = 0; i < 3; i++) j.judge('/p?i=1', 200, 0, raw({ 'cache-control': 'public, max-age=5' }));
    j.judge('/p', 200, 0, raw({ 'cache-control': 'no-store' }));
    assert.deepEqual(j.result().anonymous, { responses: 4, storable: 3, shareable: 3 });
  });
});

describe('the generator judges the run’s GET answers', () => {
  let shop: RunningShop;
  before(async () => {
    shop = await startShop();
  });
  after(() => shop.close());

  it('splits anonymous catalogue views from logged-in reads', async () => {
    const gen = createGenerator({ target: shop.url, connections: 4 });
    const r = await gen.runClosed({
      seed: 3,
      users: 6,
      durationMs: 800,
      thinkMs: 2,
      mix: { browse: 1, me: 1 },
    });
    const { anonymous, authenticated } = r.cacheability;
    assert.ok(anonymous.responses > 10, `${anonymous.responses} catalogue views`);
    // The fixture's catalogue is public; its /me sets no Cache-Control and no lifetime.
    assert.equal(anonymous.shareable, anonymous.responses);
    assert.ok(authenticated.responses > 10);
    assert.equal(authenticated.shareable, 0);
    // The anonymous views carried no credential and left the users' sessions alone.
    assert.equal(r.users.sessionsLost, 0);
    assert.equal(r.bytes.requests, r.phases[0]!.requests);
  });
});
