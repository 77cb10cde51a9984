/**
 * `statecraft deploy nginx|haproxy` writes a config for a mode and a list of instances that the
 * real engines accept (`nginx -t`, `haproxy -c`), and refuses bad input with a usage error.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const CLI = join(import.meta.dirname, '../../src/cli/index.ts');
const dir = mkdtempSync(join(tmpdir(), 'statecraft-deploy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--conditions=statecraft-source', '--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
  });
}

for (const engine of ['nginx', 'haproxy'] as const) {
  for (const mode of ['sticky', 'shared', 'stateless', 'hybrid']) {
    test(`deploy ${engine} writes a ${mode} config the engine accepts`, () => {
      const prefix = join(dir, `${engine}-${mode}`);
      mkdirSync(join(prefix, 'tmp'), { recursive: true });
      const out = join(prefix, engine === 'nginx' ? 'nginx.conf' : 'haproxy.cfg');
      const r = cli(
        'deploy',
        engine,
        '--mode',
        mode,
        '--backends',
        '127.0.0.1:4101,127.0.0.1:4102',
        '--listen',
        '127.0.0.1:18080',
        '--prefix',
        prefix,
        '--out',
        out,
      );
      assert.equal(r.status, 0, r.stderr);
      const text = readFileSync(out, 'utf8');
      if (mode === 'sticky')
        assert.match(text, engine === 'nginx' ? /hash \$\w+ consistent/ : /cookie \w+ insert/);
      else assert.doesNotMatch(text, engine === 'nginx' ? /hash \$\w+ consistent/ : /cookie \w+ insert/);
      // The config logs to /dev/stdout (a container's log): give the check a real file there.
      const log = openSync(join(prefix, 'check.log'), 'w');
      try {
        if (engine === 'nginx')
          execFileSync('nginx', ['-t', '-q', '-p', prefix, '-c', out], { stdio: ['ignore', log, log] });
        else execFileSync('haproxy', ['-c', '-q', '-f', out], { stdio: ['ignore', log, log] });
      } finally {
        closeSync(log);
      }
    });
  }
}

test('deploy refuses an unknown engine, mode or backend with a usage error', () => {
  for (const args of [
    ['deploy', 'apache', '--mode', 'shared', '--backends', '127.0.0.1:1'],
    ['deploy', 'nginx', '--mode', 'nope', '--backends', '127.0.0.1:1'],
    ['deploy', 'nginx', '--mode', 'shared', '--backends', 'no-port'],
    ['deploy', 'nginx', '--mode', 'shared'],
  ]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage:/);
  }
});
