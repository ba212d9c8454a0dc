import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig, waitForDatabase, type AppConfig } from '@relance/platform';
import { createEngineApp } from './create-engine-app.js';

/** Starts the engine and returns once it listens; it then runs until SIGINT/SIGTERM. */
export async function startEngine(config: AppConfig = loadConfig(process.env, ['piiMasterKey'])): Promise<void> {
  const logger = new Logger('Engine');
  await waitForDatabase(config.databaseUrl, { seconds: config.databaseWaitSeconds, what: 'engine', onRetry: (m) => config.logLevel !== 'error' && logger.warn(m) });
  const app = await createEngineApp({ config });
  await app.listen(config.enginePort, config.httpHost);
  logger.log(`Listening on ${await app.getUrl()} (event store: ${config.eventStore})`);
}

if (import.meta.url === `file://${process.argv[1]}`) await startEngine();
