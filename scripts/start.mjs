#!/usr/bin/env node
// `npm start`: runs the lab CLI from the packages' `dist/`, first bringing `dist/` up to date
// when a source file is newer than its output (see scripts/dist.mjs).
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freshenDist } from './dist.mjs';

const root = resolve(import.meta.dirname, '..');
await freshenDist();

// The CLI reads its arguments from process.argv.slice(2), which are this script's own.
await import(pathToFileURL(join(root, 'packages/lab/dist/cli/index.js')).href);
