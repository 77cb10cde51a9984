/**
 * Writes a run's report files into one folder: report.json (validated against its schema
 * first), report.csv and report.html. A report that breaks the schema is not published as
 * report.json: its data is kept in report.rejected.json, so a long run is never lost, and the
 * call throws with every schema error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabReport } from '../model.js';
import { renderCsv } from './csv.js';
import { renderHtml, type UplotAssets } from './html.js';
import { validateReport } from './validate.js';

/** Where `writeReport` put each file. */
export interface ReportFiles {
  json: string;
  csv: string;
  html: string;
}

/**
 * Validates `report` and writes report.json, report.csv and report.html into `dir`.
 *
 * @throws Error listing the schema errors (after saving the data as report.rejected.json) when
 * the report does not match its schema.
 * @example
 * const files = await writeReport('reports/2025-11-25T14-27', report);
 */
export async function writeReport(
  dir: string,
  report: LabReport,
  assets?: UplotAssets,
): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const v = validateReport(JSON.parse(json));
  if (!v.ok) {
    const rejected = join(dir, 'report.rejected.json');
    await writeFile(rejected, json);
    throw new Error(
      `the report does not match its schema (data kept in ${rejected}):\n${v.errors.join('\n')}`,
    );
  }
  const files: ReportFiles = {
    json: join(dir, 'report.json'),
    csv: join(dir, 'report.csv'),
    html: join(dir, 'report.html'),
  };
  await Promise.all([
    writeFile(files.json, json),
    writeFile(files.csv, renderCsv(report)),
    writeFile(files.html, assets ? renderHtml(report, assets) : renderHtml(report)),
  ]);
  return files;
}
