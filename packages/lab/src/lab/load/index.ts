/**
 * The lab's load generator: seeded schedules, the open- and closed-model executors, virtual
 * users that check what the server kept, and the generator's check on itself.
 */
export type { Action, Mix, MixTable } from './actions.js';
export { ACTIONS, DEFAULT_MIX, mixTable, normalizeMix, pickAction } from './actions.js';
export type { Cacheability, CacheCounts } from './cacheability.js';
export { CacheJudge } from './cacheability.js';
export { CookieJar, parseSetCookie } from './cookies.js';
export type { TransportErrorKind } from './errors.js';
export { httpErrorKind, transportErrorKind } from './errors.js';
export type { ClosedOptions, GeneratorOptions, GeneratorResults } from './generator.js';
export { createGenerator, LoadGenerator } from './generator.js';
export { canonicalJson, hashJson } from './hash.js';
export type { GeneratorSelfCheck, HealthAssessment, HealthThresholds, MonitorReading } from './health.js';
export { assessHealth, DEFAULT_THRESHOLDS, HealthMonitor } from './health.js';
export { HIGHEST_US, LOWEST_US, latencyHistogram, summarize } from './histogram.js';
export type { Random } from './prng.js';
export { xoshiro128 } from './prng.js';
export type { ByteCounts, PhaseDetail } from './recorder.js';
export type { Arrival, Ramp, Schedule, ScheduleConfig, ScheduleOptions } from './schedule.js';
export { planSchedule, scheduleHash } from './schedule.js';
export type { ConnectionPolicy } from './transport.js';
export type { UserCounters } from './user-counters.js';
export { addUserCounters, emptyUserCounters } from './user-counters.js';
export type { UsersOptions, UserView } from './users.js';
export { RequestSlot, VirtualUsers } from './users.js';
