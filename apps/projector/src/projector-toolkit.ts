import { Logger, type LogLevel } from '@nestjs/common';
import { createEventStore, type EventStore } from '@relance/event-store';
import { createPool, CustomerKeyStore, loadMerchantConfigs, MerchantDirectory, systemClock, type AppConfig, type Clock } from '@relance/platform';
import type pg from 'pg';
import { ProfileOpener } from './runner/profile-opener.js';
import type { RunnerLogger } from './runner/projection-runner.js';
import type { TimeZones } from './runner/projection-context.js';

/** What the projector's CLI commands need, without the Nest application around it. */
export interface ProjectorToolkit {
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly profiles: ProfileOpener;
  readonly merchants: MerchantDirectory;
  readonly timeZones: TimeZones;
  readonly clock: Clock;
  readonly logger: RunnerLogger;
  close(): Promise<void>;
}

const LOG_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

export async function projectorToolkit(config: AppConfig, label: string): Promise<ProjectorToolkit> {
  if (!config.piiMasterKey) throw new Error('PII_MASTER_KEY is required to open customer profiles');
  Logger.overrideLogger(LOG_LEVELS[config.logLevel]);
  const pool = createPool(config.databaseUrl, { max: 4, applicationName: `relance-${label}` });
  const store = createEventStore(config, pool);
  const merchants = new MerchantDirectory(await loadMerchantConfigs(config.configDir));
  return {
    pool,
    store,
    profiles: new ProfileOpener(new CustomerKeyStore(pool, config.piiMasterKey)),
    merchants,
    timeZones: (merchantId) => merchants.get(merchantId)?.timeZone,
    clock: systemClock,
    logger: new Logger(label),
    async close() {
      await store.close();
      await pool.end();
    },
  };
}
