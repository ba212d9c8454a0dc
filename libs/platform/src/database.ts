import pg from 'pg';

// int8 and numeric come back as strings by default; we convert explicitly where they are read
// (BigInt for positions, Number for counts that cannot exceed 2^53), so no global parser is set.

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  readonly max?: number;
  readonly applicationName?: string;
  /**
   * false: commits on this pool return before their WAL is flushed (synchronous_commit = off). Only
   * for rows that are safe to lose in a PostgreSQL crash, such as bookkeeping written before an event
   * append on the durable pool: that append's flush makes everything committed before it durable too.
   */
  readonly synchronousCommit?: boolean;
}

/**
 * How long a new connection may take (or a request may wait for a free one) before it fails: a
 * server that silently drops packets must turn into an error (a 503), not a request that hangs.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'relance',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Creates the database named in the URL when it does not exist (connecting to `postgres` to do so). */
export async function ensureDatabase(connectionString: string): Promise<boolean> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`Unsupported database name "${name}" in DATABASE_URL`);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await admin.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
      // Another process created it between our check and our CREATE.
      if (error.code !== '42P04') throw error;
    });
    return true;
  } finally {
    await admin.end();
  }
}

// Errors that say PostgreSQL cannot be reached or is not serving (rather than refusing a statement):
// network failures, connection exceptions (SQLSTATE class 08), a server shutting down or starting up
// (57P01-57P03), no connection slot left (53300), and the driver's own words for a lost connection.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES = /Connection terminated|connection error|timeout exceeded when trying to connect|Connection timeout|terminating connection/i;

/** True when the error means PostgreSQL is out of reach for now (worth retrying later), not a refused statement. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const { code, message, errors, cause } = error as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
  if (!sqlState && typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

/** PostgreSQL could not be reached while the process was starting: the one line it exits with. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/** `host:port` of a connection string, for messages (never its password). */
export function databaseAddress(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}`;
  } catch {
    return 'the configured address';
  }
}

/**
 * Waits until PostgreSQL answers `SELECT 1`, trying again with a growing pause (up to 2 s) for
 * `seconds`, then throws DatabaseUnavailableError. Errors that waiting cannot cure (a wrong password,
 * a database that does not exist) are thrown at once.
 */
export async function waitForDatabase(
  connectionString: string,
  options: { seconds: number; what: string; onRetry?: (message: string) => void },
): Promise<void> {
  const deadline = Date.now() + options.seconds * 1000;
  let pause = 100;
  let reported = false;
  for (;;) {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: Math.min(CONNECT_TIMEOUT_MS, Math.max(1000, options.seconds * 1000)) });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      const reason = (error as Error).message || String((error as { code?: string }).code ?? error);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new DatabaseUnavailableError(`PostgreSQL at ${databaseAddress(connectionString)} unreachable for ${options.seconds} s (${reason}): the ${options.what} stops`);
      }
      if (!reported) options.onRetry?.(`PostgreSQL at ${databaseAddress(connectionString)} unreachable (${reason}); trying again for up to ${options.seconds} s`);
      reported = true;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, 2000);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
