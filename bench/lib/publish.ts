/** The end of every bench: figures into bench/results.json, a section for docs/BENCHMARKS.md. */
import { writeSection } from './docs.js';
import { machineLine } from './machine.js';
import { type BenchEntry, recordBench } from './results.js';

/**
 * Records `done`, prints its section (heading, the command that reproduces it, the machine,
 * then `body`) and, when `writeDocs`, puts it in place of the section of the same heading.
 */
export function publish(
  done: BenchEntry,
  heading: string,
  body: readonly string[],
  writeDocs: boolean,
): void {
  recordBench(done);
  const md = [
    `## ${heading}`,
    '',
    '```sh',
    done.command,
    '```',
    '',
    `Machine: ${machineLine(done.machine)}; ${done.loadAverageAfter[0]} at the end. ` +
      `Run ${done.startedAt.slice(0, 16)}Z.`,
    '',
    ...body,
  ].join('\n');
  console.log(`\n${md}`);
  if (writeDocs) writeSection(heading, md);
}
