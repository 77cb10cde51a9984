/**
 * Writes `docs/report.schema.json` from `report/schema.ts`, the one source of the schema:
 * `node --import tsx packages/lab/src/lab/report/write-schema.ts` from the repository root.
 * A test fails while the two differ.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPORT_SCHEMA_PATH, schemaJson } from './schema.js';

const target = resolve(process.argv[2] ?? process.cwd(), REPORT_SCHEMA_PATH);
writeFileSync(target, schemaJson());
console.log(`wrote ${target}`);
