/**
 * The modes moved to `app/modes.ts`, next to the reference app that runs them; this re-export
 * keeps `import … from './modes.js'` working until every importer points there.
 */
export type { AppData, Mode, ModeKit, StrategyInputs } from './app/modes.js';
export {
  BALANCER_POLICY,
  isMode,
  MODES,
  modeKit,
  modeStrategy,
  needsSecret,
  storeRole,
} from './app/modes.js';
