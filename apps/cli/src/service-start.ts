import { databaseAddress, DatabaseUnavailableError, isDatabaseUnavailable, type AppConfig } from '@relance/platform';

/** EX_UNAVAILABLE: a service the app needs could not be reached. */
export const EXIT_UNAVAILABLE = 69;

/**
 * Starts a long-running app (engine, projector). A start that fails ends the process at once, with
 * the reason on one line when PostgreSQL is out of reach: a half-started app keeps handles open (pool,
 * Redis, timers) and would otherwise neither listen nor exit.
 */
export async function startService(what: 'engine' | 'projector', config: AppConfig, start: () => Promise<void>): Promise<never> {
  try {
    await start();
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) {
      console.error(error.message);
      process.exit(EXIT_UNAVAILABLE);
    }
    if (isDatabaseUnavailable(error)) {
      console.error(`PostgreSQL at ${databaseAddress(config.databaseUrl)} unreachable while starting (${(error as Error).message}): the ${what} stops`);
      process.exit(EXIT_UNAVAILABLE);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  }
  // Keeps running: the HTTP server holds the event loop open until a signal closes the app.
  return new Promise<never>(() => undefined);
}
