import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { createEventStore, type EventStore } from '@relance/event-store';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../config.js';
import { systemClock, type Clock } from '../clock.js';
import { createPool } from '../database.js';
import { loadMerchantConfigs } from '../merchant-config/load-merchant-config.js';
import { createMetricsRegistry } from '../metrics.js';
import { CustomerKeyStore } from '../pii/customer-key-store.js';
import { HEALTH_CHECKS, HealthController, type HealthCheck } from './health.js';
import { MerchantDirectory } from './merchant-directory.js';
import { CLOCK, CONFIG, EVENT_STORE, KEY_STORE, MERCHANTS, METRICS, PG_POOL, REDIS } from './tokens.js';

export interface CoreOptions {
  readonly config: AppConfig;
  readonly app: 'engine' | 'projector' | 'cli';
  /** Whether this process uses Redis (the engine and the projector do, for their scheduled runs; CLI runs do not). */
  readonly redis: boolean;
  readonly clock?: Clock;
  /** Merchants to serve instead of reading CONFIG_DIR (tests). */
  readonly merchants?: MerchantDirectory;
}

@Injectable()
class CoreShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    if (this.redis) {
      // QUIT waits for a connection that may never come back; a client that is not ready just disconnects.
      if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
      this.redis.disconnect();
    }
    await this.pool.end();
  }
}

/**
 * What every Relance process shares, built once from the validated configuration: the PostgreSQL pool,
 * the event store, the customer key store, Redis, metrics, the clock, the merchants, /health and /metrics.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions): DynamicModule {
    const { config } = options;
    const providers: Provider[] = [
      { provide: CONFIG, useValue: config },
      { provide: CLOCK, useValue: options.clock ?? systemClock },
      { provide: METRICS, useFactory: () => createMetricsRegistry(options.app) },
      {
        provide: PG_POOL,
        useFactory: () => createPool(config.databaseUrl, { max: config.databasePoolMax, applicationName: `relance-${options.app}` }),
      },
      { provide: EVENT_STORE, useFactory: (pool: pg.Pool) => createEventStore(config, pool), inject: [PG_POOL] },
      {
        provide: KEY_STORE,
        useFactory: (pool: pg.Pool) => (config.piiMasterKey ? new CustomerKeyStore(pool, config.piiMasterKey) : null),
        inject: [PG_POOL],
      },
      {
        provide: REDIS,
        // BullMQ needs maxRetriesPerRequest: null; commands wait for a reconnect instead of failing fast.
        useFactory: () => {
          if (!options.redis) return null;
          const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
          // ioredis reconnects by itself; /health reports the outage. Without a listener it prints each attempt.
          let reported = false;
          redis.on('error', (error: Error) => {
            if (!reported) new Logger('Redis').warn(`Redis unavailable (${error.message}); retrying`);
            reported = true;
          });
          redis.on('ready', () => (reported = false));
          return redis;
        },
      },
      {
        provide: MERCHANTS,
        useFactory: async () => options.merchants ?? new MerchantDirectory(await loadMerchantConfigs(config.configDir)),
      },
      {
        provide: HEALTH_CHECKS,
        useFactory: (pool: pg.Pool, store: EventStore, redis: Redis | null): HealthCheck[] => [
          { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
          { name: `event-store (${store.kind})`, check: () => store.ping() },
          ...(redis ? [{ name: 'redis', check: async () => void (await redis.ping()) }] : []),
        ],
        inject: [PG_POOL, EVENT_STORE, REDIS],
      },
      CoreShutdown,
    ];
    return {
      module: CoreModule,
      controllers: [HealthController],
      providers,
      exports: [CONFIG, CLOCK, METRICS, PG_POOL, EVENT_STORE, KEY_STORE, REDIS, MERCHANTS, HEALTH_CHECKS],
    };
  }
}

export type { Registry };
