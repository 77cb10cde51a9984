#!/usr/bin/env node
/**
 * The `statecraft` command. `statecraft compare` (the default) runs the single-process
 * comparison of the four architectures and prints what it measured.
 */
import { parseArgs } from 'node:util';
import { compare, table } from '../compare.js';
import { MODES, type Mode } from '../app/modes.js';

const USAGE = `usage: statecraft [compare] [--modes sticky,shared,stateless,hybrid] [--users N] [--json]`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      modes: { type: 'string', default: MODES.join(',') },
      users: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const command = positionals[0] ?? 'compare';
  if (command !== 'compare') {
    console.error(`unknown command ${command}\n${USAGE}`);
    return 2;
  }
  const modes = values.modes.split(',').map((m) => m.trim()) as Mode[];
  const bad = modes.filter((m) => !MODES.includes(m));
  if (bad.length > 0) {
    console.error(`unknown mode ${bad.join(', ')}; modes are ${MODES.join(', ')}`);
    return 2;
  }
  const users = Number(values.users);
  if (!Number.isInteger(users) || users < 1 || users > 10_000) {
    console.error('--users takes a whole number from 1 to 10000');
    return 2;
  }
  const results = await compare(modes, users, (m) => process.stderr.write(`${m}\n`));
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else {
    console.log(`\nstatecraft: one process, real HTTP on loopback, ${users} users per mode\n`);
    console.log(table(results));
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
