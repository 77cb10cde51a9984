/**
 * The network in between: a TCP fault proxy (delay, jitter, bandwidth cap, reset, blackhole,
 * switchable at run time) and the links a cluster places it on.
 */
export type { LinkName, LinkState, NetOptions } from './links.js';
export { LINK_NAMES, NetLinkError, NetLinks, storeAddress } from './links.js';
export type { FaultProxy, LaneFigures, ProxyOptions, ProxyState, ProxyTarget } from './proxy.js';
export { startFaultProxy } from './proxy.js';
export type { LinkFault, LinkSettings } from './settings.js';
export { applyChange, isOpen, LinkSettingsError, OPEN_LINK, parseMillis } from './settings.js';
