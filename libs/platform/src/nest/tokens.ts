/** Injection tokens of what every Relance process shares. */
export const CONFIG = Symbol('CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const KEY_STORE = Symbol('KEY_STORE');
export const REDIS = Symbol('REDIS');
export const METRICS = Symbol('METRICS');
export const CLOCK = Symbol('CLOCK');
export const MERCHANTS = Symbol('MERCHANTS');
