/**
 * The report's outputs, all made from one `LabReport`: the JSON Schema and its validator, the
 * terminal text, the CSV of the time series, the self-contained report.html, the OpenMetrics
 * text of the live endpoint, and the writer of the report files.
 */

export { CSV_COLUMNS, renderCsv } from './csv.js';
export type { ReportFiles } from './files.js';
export { writeReport } from './files.js';
export type { UplotAssets } from './html.js';
export { loadUplotAssets, renderHtml, renderReportTables } from './html.js';
export type { LiveModeCounters, MetricFamily, ParsedFamily, Sample } from './openmetrics.js';
export {
  liveFamilies,
  OPENMETRICS_CONTENT_TYPE,
  OpenMetricsError,
  parseOpenMetrics,
  renderOpenMetrics,
} from './openmetrics.js';
export { REPORT_SCHEMA, REPORT_SCHEMA_ID, REPORT_SCHEMA_PATH, schemaJson } from './schema.js';
export type { ModeSummary } from './summary.js';
export { summarize } from './summary.js';
export type { TerminalOptions } from './terminal.js';
export { renderTerminal } from './terminal.js';
export type { ReportValidation } from './validate.js';
export { assertReport, validateReport } from './validate.js';
