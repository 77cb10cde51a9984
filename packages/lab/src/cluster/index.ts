/**
 * The cluster: supervisor, built-in balancer, control API, and `startCluster` that composes
 * them for one mode. nginx and HAProxy live in `./real/` and are reached through
 * `startCluster({ balancer: 'nginx' | 'haproxy' })`.
 */
export type {
  BackendCounters,
  BackendStatus,
  Balancer,
  BalancerCounters,
  BalancerOptions,
  Candidate,
  HealthOptions,
  PickInput,
  Policy,
  PolicyName,
  UnroutedCounters,
} from './balancer/index.js';
export { isPolicyName, POLICIES, policy, policyForMode, startBalancer } from './balancer/index.js';
export type {
  BalancerEngine,
  Cluster,
  ClusterBalancer,
  ClusterOptions,
  RealBalancerHandle,
} from './cluster.js';
export { clusterEnvironment, startCluster } from './cluster.js';
export { appCommand, appEntry, appExists, nodeCommand, SOURCE_EXEC_ARGV } from './command.js';
export type { Control, ControlOptions } from './control.js';
export { startControl } from './control.js';
export { freePort } from './ports.js';
export type { Supervisor, SupervisorOptions } from './supervisor.js';
export { startSupervisor, UnknownInstanceError } from './supervisor.js';
export type {
  BackendSpec,
  BalancerEvent,
  ClusterEvent,
  EventSource,
  InstanceInfo,
  InstanceState,
  SupervisorEvent,
} from './types.js';
