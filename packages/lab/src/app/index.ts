/**
 * The reference app: shop (login, cart, checkout) and chat, in any of the four modes. The
 * process entry is `main.ts`; this module is for code that runs the app in-process (tests, the
 * single-process lab) or starts instances (the supervisor).
 */
export type { AppConfig, AppControl, AppServer } from './app.js';
export { createApp, MAX_BODY_BYTES } from './app.js';
export type { Instance } from './backends.js';
export { openBus, openInstance, openStore } from './backends.js';
export type { Chat, ChatLine } from './chat.js';
export { CHAT_CHANNEL, CHAT_PATH } from './chat.js';
export type { BusSpec, InstanceEnv, InstanceSettings, Prefixes, StoreSpec } from './env.js';
export {
  DEFAULT_DRAIN_MS,
  DEFAULT_PREFIX,
  InstanceEnvError,
  instanceEnvironment,
  parseBus,
  parseStore,
  prefixes,
  readInstanceEnv,
} from './env.js';
export type { AppErrorCode } from './http.js';
export { APP_ERRORS } from './http.js';
export type { DerivedKeys } from './keys.js';
export { deriveKeys, KEY_INFO } from './keys.js';
export type { AppData, Mode, ModeKit, StrategyInputs } from './modes.js';
export { BALANCER_POLICY, isMode, MODES, modeKit, modeStrategy, needsSecret, storeRole } from './modes.js';
export type { CartItem, Order, ShopData } from './shop.js';
export { MAX_CART_ITEMS, MAX_KEPT_ORDERS } from './shop.js';
