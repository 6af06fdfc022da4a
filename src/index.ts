// Library entry: embed shadowdiff in another program or test harness.
export { start, type Running, type StartOptions } from './app';
export { loadConfig, parseConfig } from './config/load';
export { ConfigError } from './config/errors';
export { diffEventSchema } from './events/schema';
export type { DiffEvent, Outcome } from './events/types';
export type { Config, RoutePlan } from './config/resolve';
export type { ShadowExchange, ExchangeHandler, UpstreamResult, CapturedRequest } from './shadow/exchange';
