/**
 * Live counters in the OpenMetrics 1.0 text format, for the `/metrics` endpoint the lab serves
 * while it runs (so Prometheus or `curl` can watch a run), and a small strict parser of that
 * format. Rules kept (OpenMetrics 1.0 §"Text format"): a family's `# TYPE` (and `# HELP`,
 * `# UNIT`) come before its samples, a family's lines are contiguous, counter samples end in
 * `_total` (or `_created`), a unit is the name's suffix, label values escape `\`, `"` and
 * newline, and the exposition ends with `# EOF`.
 */
import type { Mode } from '../model.js';

/** The Content-Type of an OpenMetrics text exposition. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** One sample of a family. */
export interface Sample {
  /** The sample's full name (e.g. `statecraft_lab_requests_total`); defaults to the family's rule. */
  name?: string;
  labels?: Record<string, string>;
  value: number;
}

/** A metric family: one `# TYPE` and its samples. */
export interface MetricFamily {
  /** Family name, without the `_total` suffix of a counter. */
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  unit?: string;
  samples: Sample[];
}

/** What a live run counts, per mode: the orchestrator keeps one of these per mode and updates it. */
export interface LiveModeCounters {
  mode: Mode;
  /** Name of the phase running now (a label on `statecraft_lab_phase`). */
  phase: string;
  requests: number;
  /** Failed requests by kind (`http_503`, `timeout`, `reset`, `dropped`…). */
  errors: Record<string, number>;
  /** Arrivals the generator could not start in time. */
  dropped: number;
  inFlight: number;
  sessionsLost: number;
  cartItemsLost: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A value as OpenMetrics writes it. */
function valueText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * Renders families as an OpenMetrics text exposition ending in `# EOF`.
 * @throws Error for an invalid metric or label name, or a counter family named `…_total`.
 */
export function renderOpenMetrics(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`invalid metric name ${f.name}`);
    if (f.type === 'counter' && f.name.endsWith('_total')) {
      throw new Error(`counter family ${f.name} must be named without its _total suffix`);
    }
    if (f.unit && !f.name.endsWith(`_${f.unit}`))
      throw new Error(`${f.name} must end with its unit _${f.unit}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    if (f.unit) out.push(`# UNIT ${f.name} ${f.unit}`);
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    for (const s of f.samples) {
      const name = s.name ?? (f.type === 'counter' ? `${f.name}_total` : f.name);
      const labels = Object.entries(s.labels ?? {});
      for (const [k] of labels) if (!LABEL.test(k)) throw new Error(`invalid label name ${k}`);
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      out.push(`${name}${l} ${valueText(s.value)}`);
    }
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/**
 * The families of a live run, one sample per mode (and per error kind).
 *
 * @example
 * res.setHeader('content-type', OPENMETRICS_CONTENT_TYPE);
 * res.end(renderOpenMetrics(liveFamilies([...counters.values()])));
 */
export function liveFamilies(live: readonly LiveModeCounters[]): MetricFamily[] {
  const per = (pick: (c: LiveModeCounters) => number) =>
    live.map((c) => ({ labels: { mode: c.mode }, value: pick(c) }));
  return [
    {
      name: 'statecraft_lab_requests',
      type: 'counter',
      help: 'Requests completed, by mode.',
      samples: per((c) => c.requests),
    },
    {
      name: 'statecraft_lab_errors',
      type: 'counter',
      help: 'Failed requests, by mode and kind (http_503, timeout, reset, dropped...).',
      samples: live.flatMap((c) =>
        Object.entries(c.errors).map(([kind, value]) => ({ labels: { mode: c.mode, kind }, value })),
      ),
    },
    {
      name: 'statecraft_lab_dropped_arrivals',
      type: 'counter',
      help: 'Arrivals the generator could not start in time (counted as errors, never dropped silently).',
      samples: per((c) => c.dropped),
    },
    {
      name: 'statecraft_lab_sessions_lost',
      type: 'counter',
      help: 'Users forced to log in again, by mode.',
      samples: per((c) => c.sessionsLost),
    },
    {
      name: 'statecraft_lab_cart_items_lost',
      type: 'counter',
      help: 'Acknowledged cart items found missing, by mode.',
      samples: per((c) => c.cartItemsLost),
    },
    {
      name: 'statecraft_lab_in_flight',
      type: 'gauge',
      help: 'Requests in flight now.',
      samples: per((c) => c.inFlight),
    },
    {
      name: 'statecraft_lab_phase',
      type: 'gauge',
      help: 'The phase each mode is in (1 for the current one).',
      samples: live.map((c) => ({ labels: { mode: c.mode, phase: c.phase }, value: 1 })),
    },
  ];
}

/** A parsed family. */
export interface ParsedFamily {
  name: string;
  type: string;
  help?: string;
  unit?: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** A violation of the text format, with the 1-based line where it was found. */
export class OpenMetricsError extends Error {
  override readonly name = 'OpenMetricsError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const TYPES = new Set([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'stateset',
  'info',
  'summary',
  'unknown',
]);

function parseValue(text: string, line: number): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
    throw new OpenMetricsError(line, `bad value ${text}`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (!m) throw new OpenMetricsError(line, `bad label at "${text.slice(i)}"`);
    i += m[0].length;
    let v = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) throw new OpenMetricsError(line, 'unterminated label value');
      if (ch === '"') break;
      if (ch === '\\') {
        const next = text[i + 1];
        if (next === 'n') v += '\n';
        else if (next === '\\' || next === '"') v += next;
        else throw new OpenMetricsError(line, `bad escape \\${next ?? ''}`);
        i += 2;
      } else {
        v += ch;
        i++;
      }
    }
    i++;
    if (Object.hasOwn(labels, m[1]!)) throw new OpenMetricsError(line, `label ${m[1]} repeated`);
    labels[m[1]!] = v;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new OpenMetricsError(line, 'labels must be separated by commas');
  }
  return labels;
}

/** The sample names a family of this type may have. */
function sampleNames(f: ParsedFamily): string[] {
  if (f.type === 'counter') return [`${f.name}_total`, `${f.name}_created`];
  if (f.type === 'histogram' || f.type === 'gaugehistogram') {
    return ['_bucket', '_count', '_sum', '_created', '_gcount', '_gsum'].map((s) => f.name + s);
  }
  if (f.type === 'summary') return ['', '_count', '_sum', '_created'].map((s) => f.name + s);
  if (f.type === 'info') return [`${f.name}_info`];
  return [f.name];
}

/**
 * Parses an OpenMetrics text exposition, enforcing the rules the renderer keeps.
 * @throws OpenMetricsError at the first violation.
 */
export function parseOpenMetrics(text: string): ParsedFamily[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.at(-1) !== '# EOF')
    throw new OpenMetricsError(lines.length, 'the exposition must end with # EOF');
  const families: ParsedFamily[] = [];
  const seen = new Set<string>();
  let current: ParsedFamily | undefined;
  let sampled = false;
  const series = new Set<string>();
  for (let n = 0; n < lines.length - 1; n++) {
    const line = lines[n]!;
    const at = n + 1;
    if (line === '') throw new OpenMetricsError(at, 'empty lines are not allowed');
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP|UNIT) ([^ ]+)(?: (.*))?$/.exec(line);
      if (!m) {
        if (line === '# EOF') throw new OpenMetricsError(at, '# EOF must be the last line');
        throw new OpenMetricsError(at, `unknown comment ${line}`);
      }
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name!)) throw new OpenMetricsError(at, `invalid metric name ${name}`);
      if (current?.name !== name) {
        if (seen.has(name!))
          throw new OpenMetricsError(at, `family ${name} is split (its lines must be contiguous)`);
        current = { name: name!, type: 'unknown', samples: [] };
        families.push(current);
        seen.add(name!);
        sampled = false;
      } else if (sampled) {
        throw new OpenMetricsError(at, `# ${kind} ${name} comes after its samples`);
      }
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new OpenMetricsError(at, `unknown type ${rest}`);
        if (rest === 'counter' && name!.endsWith('_total')) {
          throw new OpenMetricsError(at, `counter family ${name} must not end in _total`);
        }
        current.type = rest;
      } else if (kind === 'HELP') {
        current.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      } else {
        if (rest && !name!.endsWith(`_${rest}`))
          throw new OpenMetricsError(at, `${name} must end with its unit _${rest}`);
        current.unit = rest;
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: ([^ ]+))?$/.exec(line);
    if (!m) throw new OpenMetricsError(at, `bad sample line ${line}`);
    const [, name, labelText, valueText] = m;
    if (!current || !sampleNames(current).includes(name!)) {
      const owner = families.find((f) => sampleNames(f).includes(name!));
      if (owner) throw new OpenMetricsError(at, `sample ${name} is apart from its family ${owner.name}`);
      if (name!.endsWith('_total') || !current || current.type === 'counter') {
        throw new OpenMetricsError(
          at,
          `sample ${name} has no # TYPE before it (counter samples end in _total)`,
        );
      }
      throw new OpenMetricsError(at, `sample ${name} does not belong to family ${current.name}`);
    }
    const labels = parseLabels(labelText ?? '', at);
    const value = parseValue(valueText!, at);
    if (current.type === 'counter' && !(value >= 0))
      throw new OpenMetricsError(at, `counter ${name} is ${valueText}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new OpenMetricsError(at, `sample ${name} repeats the same labels`);
    series.add(key);
    current.samples.push({ name: name!, labels, value });
    sampled = true;
  }
  return families;
}
