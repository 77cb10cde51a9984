/**
 * What every report says about where it was made: the tool with the versions of the packages
 * that matter, and the machine.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { LabReport } from './model.js';

/** The installed version of `pkg`, or `unknown`. */
export function versionOf(pkg: string): string {
  try {
    const url = new URL(import.meta.resolve(`${pkg}/package.json`));
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The report's `tool` and `machine`. */
export function runContext(): Pick<LabReport, 'tool' | 'machine'> {
  return {
    tool: {
      name: 'statecraft',
      version: versionOf('@statecraft/lab'),
      node: process.version,
      packages: {
        statecraft: versionOf('statecraft'),
        undici: versionOf('undici'),
        'hdr-histogram-js': versionOf('hdr-histogram-js'),
      },
    },
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      platform: `${process.platform}/${process.arch}`,
    },
  };
}
