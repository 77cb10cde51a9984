/**
 * The claims: their texts (CLAIMS.md), the metrics they read, the thresholds they use, and the
 * rules that turn a run's figures into verdicts.
 */
export type { ClaimSpec } from './catalogue.js';
export { CLAIMS, claimSpec } from './catalogue.js';
export type { MetricName, MetricSpec } from './metrics.js';
export { isMetricName, METRIC_NAMES, METRICS, missingMetrics, NEVER_BEFORE_EXPIRY } from './metrics.js';
export type { ClaimRule, MetricErrorCode } from './reader.js';
export { FigureReader, MetricError } from './reader.js';
export { describeMode, HYBRID_FORMS, MODE_ORDER, STATEFUL_MODES, STATELESS_MODE } from './roles.js';
export { evaluateClaims, RULES } from './rules.js';
export type { Margin } from './thresholds.js';
export * as thresholds from './thresholds.js';
