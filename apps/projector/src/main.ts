import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig, waitForDatabase, type AppConfig } from '@relance/platform';
import { createProjectorApp } from './create-projector-app.js';

/** Starts the projector (read models, RFM schedule, /health, /metrics); it runs until SIGINT/SIGTERM. */
export async function startProjector(config: AppConfig = loadConfig(process.env, ['piiMasterKey'])): Promise<void> {
  const logger = new Logger('Projector');
  await waitForDatabase(config.databaseUrl, { seconds: config.databaseWaitSeconds, what: 'projector', onRetry: (m) => config.logLevel !== 'error' && logger.warn(m) });
  const app = await createProjectorApp({ config });
  await app.listen(config.projectorPort, config.httpHost);
  logger.log(`Listening on ${await app.getUrl()} (event store: ${config.eventStore})`);
}

if (import.meta.url === `file://${process.argv[1]}`) await startProjector();
