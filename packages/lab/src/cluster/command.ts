/**
 * The argv that starts the reference app as an instance. From source (this file is `.ts`, the
 * lab run by tsx) it is `node --conditions=statecraft-source --import tsx src/app/main.ts`, so
 * that the app and the library it imports are the source being worked on; from a build it is
 * `node dist/app/main.js`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** tsx's loader as an absolute URL: `--import tsx` alone resolves from the child's working directory. */
function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

/** Node flags that make a child run TypeScript from source with the library from source. */
export const SOURCE_EXEC_ARGV: readonly string[] = [
  '--conditions=statecraft-source',
  '--import',
  tsxLoader(),
];

const fromSource = import.meta.url.endsWith('.ts');

/** The path of the reference app's entry point next to this build (or source) of the lab. */
export function appEntry(): string {
  return fileURLToPath(new URL(fromSource ? '../app/main.ts' : '../app/main.js', import.meta.url));
}

/** Whether the reference app exists in this checkout. */
export function appExists(): boolean {
  return existsSync(appEntry());
}

/** argv that runs `entry` (a `.ts` or `.js` file) with this Node binary. */
export function nodeCommand(entry: string): string[] {
  return [process.execPath, ...(entry.endsWith('.ts') ? SOURCE_EXEC_ARGV : []), entry];
}

/** argv that runs the reference app. */
export function appCommand(): string[] {
  return nodeCommand(appEntry());
}
