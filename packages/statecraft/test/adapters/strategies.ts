/**
 * The strategies the behavioural suite runs every adapter under: one line per strategy.
 */
import { hybrid, stateful, stateless } from 'statecraft';
import { dirKey, hsKey } from '../helpers/tokens.js';
import type { StrategyCase } from './behaviour.js';

// biome-ignore format: one strategy per line
export const STRATEGIES: readonly StrategyCase[] = [
  { name: 'stateful', make: (store) => stateful({ store }), usesStore: true, readsStore: true, keepsConcurrentUpdates: true, revokes: true },
  { name: 'stateless', make: () => stateless({ keys: [dirKey()] }), usesStore: false, readsStore: false, keepsConcurrentUpdates: false, revokes: false },
  { name: 'hybrid', make: (store) => hybrid({ store, keys: [hsKey()], format: 'jws' }), usesStore: true, readsStore: false, keepsConcurrentUpdates: true, revokes: true },
];
