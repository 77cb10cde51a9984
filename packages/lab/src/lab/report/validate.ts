/**
 * Checks a report against the JSON Schema of report.json with Ajv (draft 2020-12, strict mode,
 * every error reported). The orchestrator validates before it writes, so a report on disk is
 * always one the outputs and the dashboard can read.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { LabReport } from '../model.js';
import { REPORT_SCHEMA } from './schema.js';

/** The outcome of `validateReport`: the typed report, or the schema's complaints. */
export type ReportValidation = { ok: true; report: LabReport } | { ok: false; errors: string[] };

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv2020({ allErrors: true, strict: true }).compile(REPORT_SCHEMA);
  return compiled;
}

/**
 * Validates `r` against the report schema.
 *
 * @example
 * const v = validateReport(JSON.parse(text));
 * if (!v.ok) throw new Error(v.errors.join('\n'));
 */
export function validateReport(r: unknown): ReportValidation {
  const validate = validator();
  if (validate(r)) return { ok: true, report: r as LabReport };
  const errors = (validate.errors ?? []).map((e) => {
    const where = e.instancePath || '(root)';
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : e.keyword === 'enum' || e.keyword === 'const'
          ? ` (${JSON.stringify(e.params)})`
          : '';
    return `${where} ${e.message ?? e.keyword}${extra}`;
  });
  return { ok: false, errors };
}

/**
 * Validates `r` and returns it typed, or throws with every complaint.
 * @throws Error listing the schema errors.
 */
export function assertReport(r: unknown): LabReport {
  const v = validateReport(r);
  if (!v.ok) throw new Error(`report.json does not match its schema:\n${v.errors.join('\n')}`);
  return v.report;
}
