import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDeliveryConfig, type DeliveryConfig } from './delivery-config.js';

/**
 * The whole configuration, parsed once from the environment at start. Nothing else reads process.env.
 * Every problem is reported at once, each with the variable's name and what is expected.
 */
export interface AppConfig {
  readonly databaseUrl: string;
  readonly databasePoolMax: number;
  /** How long a starting engine or projector waits for PostgreSQL before it gives up and exits. */
  readonly databaseWaitSeconds: number;
  readonly redisUrl: string;
  readonly eventStore: 'postgres' | 'eventstoredb';
  readonly eventStoreUrl: string | undefined;
  /** 32 bytes; undefined when not configured (only commands that touch personal data require it). */
  readonly piiMasterKey: Buffer | undefined;
  readonly httpHost: string;
  readonly enginePort: number;
  readonly projectorPort: number;
  /** `relance rules run`'s /health and /metrics. */
  readonly rulesPort: number;
  readonly configDir: string;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  readonly apiKeyCacheSeconds: number;
  readonly httpBodyLimitBytes: number;
  /** How long a write holding an Idempotency-Key may run before another process may take it over. */
  readonly idempotencyLeaseSeconds: number;
  /** How long a completed write's response is kept for retries with its Idempotency-Key. */
  readonly idempotencyRetentionHours: number;
  /** Events per projector transaction. */
  readonly projectorBatchSize: number;
  /** Local hour (merchant's time zone) of the daily RFM run. */
  readonly rfmRunHour: number;
  /** Local hour (merchant's time zone) of the daily expiry review (points due, tiers whose guarantee passed). */
  readonly expiryReviewHour: number;
  /** Budget of the engine's cache of folded streams, in estimated bytes of the states it holds. */
  readonly streamCacheBytes: number;
  /** Bearer token that opens /metrics to requests from other hosts; undefined: /metrics is local only. */
  readonly metricsToken: string | undefined;
  /**
   * A projection or subscription whose oldest unapplied event is this old turns /health degraded
   * (one that fails turns it degraded at once).
   */
  readonly lagAlertSeconds: number;
  /** Providers, capture mode, queues and their limits (delivery-config.ts). */
  readonly delivery: DeliveryConfig;
}

export type Requirement = 'piiMasterKey';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

export const CONFIG_DEFAULTS = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/relance',
  DATABASE_POOL_MAX: '10',
  DATABASE_WAIT_SECONDS: '30',
  REDIS_URL: 'redis://127.0.0.1:6379',
  EVENT_STORE: 'postgres',
  HTTP_HOST: '127.0.0.1',
  ENGINE_PORT: '3000',
  PROJECTOR_PORT: '3001',
  RULES_PORT: '3002',
  CONFIG_DIR: 'config',
  LOG_LEVEL: 'info',
  API_KEY_CACHE_SECONDS: '30',
  HTTP_BODY_LIMIT_BYTES: '262144',
  IDEMPOTENCY_LEASE_SECONDS: '30',
  IDEMPOTENCY_RETENTION_HOURS: '72',
  PROJECTOR_BATCH_SIZE: '2000',
  RFM_RUN_HOUR: '4',
  EXPIRY_REVIEW_HOUR: '1',
  STREAM_CACHE_BYTES: '268435456',
  LAG_ALERT_SECONDS: '60',
} as const;

export function loadConfig(env: Env = process.env, requirements: readonly Requirement[] = []): AppConfig {
  const problems: string[] = [];
  const get = (name: keyof typeof CONFIG_DEFAULTS): string => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? CONFIG_DEFAULTS[name] : value.trim();
  };

  const databaseUrl = url(get('DATABASE_URL'), 'DATABASE_URL', ['postgres:', 'postgresql:'], problems);
  const redisUrl = url(get('REDIS_URL'), 'REDIS_URL', ['redis:', 'rediss:'], problems);

  const eventStoreRaw = get('EVENT_STORE');
  let eventStore: AppConfig['eventStore'] = 'postgres';
  if (eventStoreRaw === 'postgres' || eventStoreRaw === 'eventstoredb') eventStore = eventStoreRaw;
  else problems.push(`EVENT_STORE: must be "postgres" or "eventstoredb" (got "${eventStoreRaw}")`);

  const eventStoreUrl = env.EVENTSTORE_URL?.trim() || undefined;
  if (eventStore === 'eventstoredb' && !eventStoreUrl) {
    problems.push('EVENTSTORE_URL: required when EVENT_STORE=eventstoredb (e.g. esdb://127.0.0.1:2113?tls=false)');
  } else if (eventStoreUrl && !/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\//.test(eventStoreUrl)) {
    problems.push(`EVENTSTORE_URL: must be an esdb:// or kurrentdb:// connection string (got "${eventStoreUrl}")`);
  }

  const piiMasterKey = masterKey(env, problems);
  const metricsToken = secret(env, 'METRICS_TOKEN', 24, problems);
  if (requirements.includes('piiMasterKey') && !piiMasterKey && !problems.some((p) => p.startsWith('PII_MASTER_KEY'))) {
    problems.push(
      'PII_MASTER_KEY: required (base64 of 32 random bytes; `npx relance keys master` prints a new one), ' +
        'or PII_MASTER_KEY_FILE pointing at a file holding it',
    );
  }

  const logLevel = get('LOG_LEVEL');
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) {
    problems.push(`LOG_LEVEL: must be one of error, warn, info, debug (got "${logLevel}")`);
  }

  const config: AppConfig = {
    databaseUrl,
    databasePoolMax: integer(get('DATABASE_POOL_MAX'), 'DATABASE_POOL_MAX', 1, 500, problems),
    databaseWaitSeconds: integer(get('DATABASE_WAIT_SECONDS'), 'DATABASE_WAIT_SECONDS', 0, 3600, problems),
    redisUrl,
    eventStore,
    eventStoreUrl,
    piiMasterKey,
    httpHost: get('HTTP_HOST'),
    enginePort: integer(get('ENGINE_PORT'), 'ENGINE_PORT', 0, 65535, problems),
    projectorPort: integer(get('PROJECTOR_PORT'), 'PROJECTOR_PORT', 0, 65535, problems),
    rulesPort: integer(get('RULES_PORT'), 'RULES_PORT', 0, 65535, problems),
    configDir: path.resolve(get('CONFIG_DIR')),
    logLevel: logLevel as AppConfig['logLevel'],
    apiKeyCacheSeconds: integer(get('API_KEY_CACHE_SECONDS'), 'API_KEY_CACHE_SECONDS', 0, 3600, problems),
    httpBodyLimitBytes: integer(get('HTTP_BODY_LIMIT_BYTES'), 'HTTP_BODY_LIMIT_BYTES', 1024, 50 * 1024 * 1024, problems),
    idempotencyLeaseSeconds: integer(get('IDEMPOTENCY_LEASE_SECONDS'), 'IDEMPOTENCY_LEASE_SECONDS', 1, 3600, problems),
    idempotencyRetentionHours: integer(get('IDEMPOTENCY_RETENTION_HOURS'), 'IDEMPOTENCY_RETENTION_HOURS', 1, 24 * 90, problems),
    projectorBatchSize: integer(get('PROJECTOR_BATCH_SIZE'), 'PROJECTOR_BATCH_SIZE', 1, 50_000, problems),
    rfmRunHour: integer(get('RFM_RUN_HOUR'), 'RFM_RUN_HOUR', 0, 23, problems),
    expiryReviewHour: integer(get('EXPIRY_REVIEW_HOUR'), 'EXPIRY_REVIEW_HOUR', 0, 23, problems),
    streamCacheBytes: integer(get('STREAM_CACHE_BYTES'), 'STREAM_CACHE_BYTES', 0, 64 * 1024 ** 3, problems),
    metricsToken,
    lagAlertSeconds: integer(get('LAG_ALERT_SECONDS'), 'LAG_ALERT_SECONDS', 1, 86_400, problems),
    delivery: loadDeliveryConfig(env, piiMasterKey, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function url(value: string, name: string, protocols: readonly string[], problems: string[]): string {
  try {
    const parsed = new URL(value);
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name}: must start with ${protocols.map((p) => `${p}//`).join(' or ')} (got "${redact(value)}")`);
    }
  } catch {
    problems.push(`${name}: not a valid URL (got "${redact(value)}")`);
  }
  return value;
}

function integer(value: string, name: string, min: number, max: number, problems: string[]): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    problems.push(`${name}: must be an integer between ${min} and ${max} (got "${value}")`);
    return min;
  }
  return n;
}

/** A secret from NAME or from the file NAME_FILE (one of them), at least `minLength` visible characters. */
function secret(env: Env, name: string, minLength: number, problems: string[]): string | undefined {
  const direct = env[name]?.trim();
  const file = env[`${name}_FILE`]?.trim();
  if (direct && file) {
    problems.push(`${name} / ${name}_FILE: set one of them, not both`);
    return undefined;
  }
  if (file && !existsSync(file)) {
    problems.push(`${name}_FILE: file "${file}" does not exist`);
    return undefined;
  }
  const value = file ? readFileSync(file, 'utf8').trim() : direct;
  if (!value) return undefined;
  if (value.length < minLength || !/^[\x21-\x7e]+$/.test(value)) {
    problems.push(`${file ? `${name}_FILE` : name}: must be at least ${minLength} visible ASCII characters, without spaces (e.g. \`openssl rand -hex 32\`)`);
    return undefined;
  }
  return value;
}

function masterKey(env: Env, problems: string[]): Buffer | undefined {
  let encoded = env.PII_MASTER_KEY?.trim();
  const file = env.PII_MASTER_KEY_FILE?.trim();
  if (encoded && file) {
    problems.push('PII_MASTER_KEY / PII_MASTER_KEY_FILE: set one of them, not both');
    return undefined;
  }
  if (file) {
    if (!existsSync(file)) {
      problems.push(`PII_MASTER_KEY_FILE: file "${file}" does not exist`);
      return undefined;
    }
    encoded = readFileSync(file, 'utf8').trim();
  }
  if (!encoded) return undefined;
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
    problems.push(`${file ? 'PII_MASTER_KEY_FILE' : 'PII_MASTER_KEY'}: must be base64 of exactly 32 bytes (AES-256)`);
    return undefined;
  }
  return key;
}

/** Hides the password of a connection string in messages. */
export function redact(value: string): string {
  return value.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
