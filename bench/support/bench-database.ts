import pg from 'pg';
import { migrate } from '@relance/platform';

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/relance_bench';

/**
 * Benchmarks run in a database of their own, recreated each run, so figures never depend on what an
 * earlier run left (a bigger log, bloated indexes) and never touch development or test data.
 */
export async function freshBenchDatabase(url = BENCH_DATABASE_URL): Promise<string> {
  const parsed = new URL(url);
  const name = parsed.pathname.slice(1);
  parsed.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: parsed.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  await migrate(url);
  return url;
}

/**
 * After seeding: vacuums, analyzes and checkpoints, so that a timed run competes neither with
 * autovacuum nor with the writing out of the seed's pages, and does not pay for the hint bits the
 * first reader of fresh rows writes (a log of past events would not).
 */
export async function settleBenchDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE');
    // CHECKPOINT needs superuser or pg_checkpoint; without them the run is only noisier.
    await client.query('CHECKPOINT').catch(() => undefined);
  } finally {
    await client.end();
  }
}

export async function machineDescription(url: string): Promise<Record<string, string | number>> {
  const os = await import('node:os');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string; synchronous_commit: string }>(
      "SELECT current_setting('server_version') AS server_version, current_setting('synchronous_commit') AS synchronous_commit",
    );
    return {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      memory_gib: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: rows[0]!.server_version,
      synchronous_commit: rows[0]!.synchronous_commit,
    };
  } finally {
    await client.end();
  }
}
