/**
 * The generated nginx and HAProxy configs: what each mode's file says, that the engines
 * themselves accept it (`nginx -t`, `haproxy -c`) for every mode, and that values which could
 * break out of the file are refused before anything is written.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MODES } from '../../../src/app/modes.js';
import {
  checkConfig,
  ENGINES,
  findEngine,
  RealBalancerError,
  type RenderOptions,
  renderHaproxy,
  renderNginx,
} from '../../../src/cluster/real/index.js';

const root = mkdtempSync(join(tmpdir(), 'statecraft-real-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

const backends = [
  { id: 'i1', port: 4001 },
  { id: 'i2', port: 4002 },
  { id: 'i3', host: '::1', port: 4003 },
];
const opts = (mode: RenderOptions['mode'], prefix = '/srv/lb'): RenderOptions => ({
  mode,
  backends,
  listen: { host: '127.0.0.1', port: 8080 },
  prefix,
});

/** The `location = /chat { … }` block of an nginx config. */
function chatBlock(conf: string): string {
  const m = /location = \/chat \{([^}]*)\}/.exec(conf);
  assert.ok(m, 'a /chat location');
  return m[1]!;
}

describe('renderNginx', () => {
  test('sticky hashes on the affinity cookie, and sets it for a client that has none', () => {
    const c = renderNginx(opts('sticky'));
    assert.match(c, /hash \$statecraft_affinity consistent;/);
    assert.match(c, /map \$cookie_sc_lb \$statecraft_affinity \{/);
    assert.match(c, /add_header Set-Cookie \$statecraft_affinity_cookie always;/);
    assert.match(c, /'sc_lb=\$request_id; Path=\/; HttpOnly; SameSite=Lax'/);
    // nginx requires keepalive after the balancing method.
    assert.ok(c.indexOf('hash $statecraft_affinity') < c.indexOf('keepalive 64;'));
    const named = renderNginx({ ...opts('sticky'), cookie: 'lb' });
    assert.match(named, /map \$cookie_lb \$statecraft_affinity \{/);
    assert.match(named, /'lb=\$request_id;/);
  });

  test('sticky sets no affinity cookie on an answer meant for shared caches', () => {
    const c = renderNginx(opts('sticky'));
    assert.match(c, /map "\$cookie_sc_lb\|\$upstream_http_cache_control" \$statecraft_affinity_cookie \{/);
    assert.match(c, /"~\*\^\\\|\(\?!\.\*\(private\|no-store\)\)\.\*\(public\|s-maxage\)" '';/);
  });

  test('cachePaths serve those paths through a proxy_cache zone under the prefix, and nothing else', () => {
    const c = renderNginx({ ...opts('shared'), cachePaths: ['/products'] });
    assert.match(c, /proxy_cache_path \/srv\/lb\/cache levels=1:2 keys_zone=statecraft_cache:1m /);
    const block = /location \/products \{([^}]*)\}/.exec(c)?.[1] ?? '';
    assert.match(block, /proxy_cache statecraft_cache;/);
    assert.match(block, /proxy_cache_lock on;/);
    assert.equal(c.match(/proxy_cache statecraft_cache;/g)?.length, 1);
    assert.doesNotMatch(renderNginx(opts('shared')), /proxy_cache/);
    assert.throws(() => renderNginx({ ...opts('shared'), cachePaths: ['/a b'] }), TypeError);
  });

  test('shared, stateless and hybrid are round-robin without any affinity cookie', () => {
    for (const mode of ['shared', 'stateless', 'hybrid'] as const) {
      const c = renderNginx(opts(mode));
      assert.doesNotMatch(c, /\bhash\b|Set-Cookie|\$cookie_/, mode);
      assert.match(c, /upstream statecraft \{/);
    }
  });

  test('every mode keeps upstream connections alive, forwards the client, and retries only safe cases', () => {
    for (const mode of MODES) {
      const c = renderNginx(opts(mode));
      assert.match(c, /keepalive 64;/);
      assert.match(c, /proxy_http_version 1\.1;/);
      assert.match(c, /proxy_set_header Connection "";/);
      assert.match(c, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
      assert.match(c, /proxy_next_upstream error timeout;/);
      assert.match(c, /server 127\.0\.0\.1:4001 max_fails=2 fail_timeout=5s; # i1/);
      assert.match(c, /server \[::1\]:4003 max_fails=2 fail_timeout=5s; # i3/);
      assert.match(c, /large_client_header_buffers 4 16k;/);
      assert.match(c, /proxy_connect_timeout 2s;/);
    }
  });

  test('/chat is upgraded to a WebSocket and keeps the forwarding headers', () => {
    const chat = chatBlock(renderNginx(opts('hybrid')));
    assert.match(chat, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(chat, /proxy_set_header Connection \$connection_upgrade;/);
    // A location that sets any proxy_set_header inherits none: the list is repeated.
    assert.match(chat, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    assert.match(chat, /proxy_read_timeout 1h;/);
  });

  test('every path nginx writes is under the prefix', () => {
    const c = renderNginx(opts('shared', '/srv/lb'));
    const paths = [...c.matchAll(/^\s*(?:pid|error_log|\w+_temp_path)\s+([^\s;]+)/gm)].map((m) => m[1]!);
    assert.equal(paths.length, 7);
    for (const p of paths) assert.ok(p.startsWith('/srv/lb/'), p);
    assert.match(c, /^daemon off;$/m);
    assert.doesNotMatch(c, /^user /m);
  });
});

describe('renderHaproxy', () => {
  test('sticky inserts a cookie naming the instance, and each server carries its id', () => {
    const c = renderHaproxy(opts('sticky'));
    assert.match(c, /cookie sc_lb insert indirect nocache httponly/);
    assert.match(c, /server i1 127\.0\.0\.1:4001 cookie i1\n/);
    assert.match(c, /server i3 \[::1\]:4003 cookie i3\n/);
    assert.match(c, /balance roundrobin/);
  });

  test('round-robin modes insert no cookie', () => {
    for (const mode of ['shared', 'stateless', 'hybrid'] as const) {
      const c = renderHaproxy(opts(mode));
      assert.doesNotMatch(c, /^\s*cookie /m, mode);
      assert.match(c, /server i1 127\.0\.0\.1:4001\n/);
    }
  });

  test('every mode checks /readyz, retries failed connections elsewhere and tunnels WebSockets', () => {
    for (const mode of MODES) {
      const c = renderHaproxy(opts(mode));
      assert.match(c, /option httpchk GET \/readyz/);
      assert.match(c, /retry-on conn-failure/);
      assert.match(c, /option redispatch/);
      assert.match(c, /http-request disable-l7-retry if !METH_GET/);
      assert.match(c, /option forwardfor/);
      assert.match(c, /timeout tunnel 1h/);
      assert.match(c, /stats socket \/srv\/lb\/haproxy\.sock/);
      assert.match(c, /on-error mark-down/);
    }
  });

  test('dns: names are resolved at run time and a name that does not resolve yet is no error', () => {
    const c = renderHaproxy({ ...opts('shared'), dns: true });
    assert.match(c, /resolvers system\n {2}parse-resolv-conf/);
    assert.match(c, /resolvers system init-addr last,libc,none/);
  });
});

describe('the engines accept what the renderers write', () => {
  for (const engine of Object.values(ENGINES)) {
    for (const mode of MODES) {
      test(`${engine.name} accepts the ${mode} config`, async () => {
        const bin = findEngine(engine.name);
        const dir = join(root, `${engine.name}-${mode}`);
        mkdirSync(join(dir, 'tmp'), { recursive: true });
        const file = join(dir, engine.file);
        writeFileSync(file, engine.render({ ...opts(mode, dir), generation: 7 }));
        await checkConfig(engine, bin, file, dir);
        const withLogs = join(dir, `stdio-${engine.file}`);
        writeFileSync(
          withLogs,
          engine.render({ ...opts(mode, dir), logs: 'stdio', workers: 'auto', dns: true }),
        );
        await checkConfig(engine, bin, withLogs, dir);
        if (engine.name === 'nginx') {
          const cached = join(dir, `cache-${engine.file}`);
          writeFileSync(cached, engine.render({ ...opts(mode, dir), cachePaths: ['/products'] }));
          await checkConfig(engine, bin, cached, dir);
        }
      });
    }

    test(`${engine.name} accepts a config without any backend, which answers 503 by itself`, async () => {
      const bin = findEngine(engine.name);
      const dir = join(root, `${engine.name}-empty`);
      mkdirSync(join(dir, 'tmp'), { recursive: true });
      for (const mode of ['sticky', 'shared'] as const) {
        const file = join(dir, `${mode}-${engine.file}`);
        const text = engine.render({ ...opts(mode, dir), backends: [] });
        assert.match(text, /NO_BACKEND/);
        assert.doesNotMatch(text, /server (?!tokens)\S+:\d+/);
        writeFileSync(file, text);
        await checkConfig(engine, bin, file, dir);
      }
    });

    test(`${engine.name} refusing a file comes back as CONFIG_INVALID with its own message`, async () => {
      const bin = findEngine(engine.name);
      const dir = join(root, `${engine.name}-broken`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, engine.file);
      writeFileSync(
        file,
        engine.name === 'nginx'
          ? 'events {}\nhttp { no_such_directive on; }\n'
          : 'defaults\n  no-such-keyword\n',
      );
      await assert.rejects(checkConfig(engine, bin, file, dir), (e: unknown) => {
        assert.ok(e instanceof RealBalancerError);
        assert.equal(e.code, 'CONFIG_INVALID');
        assert.match(e.message, /no_such_directive|no-such-keyword/);
        return true;
      });
    });
  }
});

describe('values that would break the file are refused', () => {
  const bad: [string, Partial<RenderOptions>][] = [
    ['a host with a semicolon', { backends: [{ id: 'i1', host: '127.0.0.1; evil', port: 1 }] }],
    ['a host with a brace', { backends: [{ id: 'i1', host: 'a}b', port: 1 }] }],
    ['an id with a space', { backends: [{ id: 'i 1', port: 1 }] }],
    [
      'the same id twice',
      {
        backends: [
          { id: 'i1', port: 1 },
          { id: 'i1', port: 2 },
        ],
      },
    ],
    ['port 0', { backends: [{ id: 'i1', port: 0 }] }],
    ['a port past 65535', { listen: { host: '127.0.0.1', port: 70000 } }],
    ['a relative prefix', { prefix: 'tmp/lb' }],
    ['a prefix with a space', { prefix: '/tmp/my lb' }],
    ['a cookie name with a semicolon', { cookie: 'a;b' }],
    ['an unknown mode', { mode: 'cached' as RenderOptions['mode'] }],
  ];
  for (const [what, patch] of bad) {
    test(`${what} is refused by both renderers`, () => {
      assert.throws(() => renderNginx({ ...opts('sticky'), ...patch }), TypeError);
      assert.throws(() => renderHaproxy({ ...opts('sticky'), ...patch }), TypeError);
    });
  }
});
