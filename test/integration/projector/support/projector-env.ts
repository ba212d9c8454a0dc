import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { comparePositions, PostgresEventStore, START, type LogPosition } from '@relance/event-store';
import { createPool, CustomerKeyStore, migrate, type Pool } from '@relance/platform';
import { PROJECTIONS } from '../../../../apps/projector/src/projections/index.js';
import type { Projection } from '../../../../apps/projector/src/projection.js';
import { loadCheckpoints } from '../../../../apps/projector/src/runner/checkpoints.js';
import { ProfileOpener } from '../../../../apps/projector/src/runner/profile-opener.js';
import { ProjectionRunner, type RunnerOptions } from '../../../../apps/projector/src/runner/projection-runner.js';
import { TEST_DATABASE_URL } from '../../../support/test-env.js';
import { killChildren } from './child-process.js';

/**
 * A schema of its own for one test file: its own event log, read models, checkpoints and locks
 * (lock keys include the schema), so that projections, which follow the whole log, see only the
 * events this file appends, and a rebuild swaps only this file's tables.
 */
export interface ProjectorEnv {
  readonly url: string;
  readonly schema: string;
  readonly masterKey: Buffer;
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  readonly keys: CustomerKeyStore;
  readonly profiles: ProfileOpener;
  /** Runs the projections until they have caught up with the log. */
  project(projections?: readonly Projection[], options?: Partial<RunnerOptions>): Promise<void>;
  runner(options?: Partial<RunnerOptions>): ProjectionRunner;
  close(): Promise<void>;
}

export const quietLogger = { log: () => undefined, warn: () => undefined, error: (message: string) => new Logger('test').error(message) };

export async function projectorEnv(label: string): Promise<ProjectorEnv> {
  const schema = `p_${label}_${randomUUID().slice(0, 8)}`;
  const admin = createPool(TEST_DATABASE_URL, { max: 1 });
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  const parsed = new URL(TEST_DATABASE_URL);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  const url = parsed.toString();
  await migrate(url);
  const pool = createPool(url, { max: 8 });
  const store = new PostgresEventStore(pool, { connectionString: url, polling: { idlePollMs: 200 } });
  const masterKey = randomBytes(32);
  const keys = new CustomerKeyStore(pool, masterKey);
  const profiles = new ProfileOpener(keys);
  // Every runner made here is stopped by close(), even one a failed test left running.
  const runners = new Set<ProjectionRunner>();
  const runner = (options: Partial<RunnerOptions> = {}) => {
    const made = new ProjectionRunner({ pool, store, projections: PROJECTIONS, profiles, timeZones: () => undefined, logger: quietLogger, pollMs: 100, ...options });
    runners.add(made);
    return made;
  };
  return {
    url,
    schema,
    masterKey,
    pool,
    store,
    keys,
    profiles,
    runner,
    async project(projections = PROJECTIONS, options = {}) {
      // "Caught up" is as of the read horizon: an append to this schema's log still in flight when the
      // runner looked is applied by the next run.
      do await runner({ projections, untilCaughtUp: true, ...options }).run();
      while (!(await appliedEverything(pool, projections)));
    },
    async close() {
      await killChildren();
      await Promise.all([...runners].map((r) => r.stop()));
      await store.close();
      await pool.end();
      const cleanup = createPool(TEST_DATABASE_URL, { max: 1 });
      await cleanup.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
      await cleanup.end();
    },
  };
}

/** The last committed event of this schema's log, whatever transactions elsewhere still run. */
export async function lastEvent(pool: Pool): Promise<LogPosition> {
  const { rows } = await pool.query<{ tx: string; pos: string }>(
    'SELECT transaction_id::text AS tx, global_position::text AS pos FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
  );
  return rows[0] ? { commit: BigInt(rows[0].tx), prepare: BigInt(rows[0].pos) } : START;
}

/** Every projection's checkpoint has passed the last committed event. */
export async function appliedEverything(pool: Pool, projections: readonly Projection[] = PROJECTIONS): Promise<boolean> {
  const last = await lastEvent(pool);
  const stored = await loadCheckpoints(pool, projections.map((p) => p.name));
  return projections.every((p) => stored.has(p.name) && comparePositions(stored.get(p.name)!.position, last) >= 0);
}

/** The rows of a table for one merchant, ordered by the whole row, JSON-comparable. */
export async function rowsOf(pool: Pool, table: string, merchantId?: string): Promise<Record<string, unknown>[]> {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`bad table ${table}`);
  const where = merchantId ? 'WHERE merchant_id = $1' : '';
  const { rows } = await pool.query<{ row: Record<string, unknown> }>(
    `SELECT to_jsonb(t) AS row FROM "${table}" t ${where} ORDER BY to_jsonb(t)::text`,
    merchantId ? [merchantId] : [],
  );
  return rows.map((r) => r.row);
}

/** Every read-model table, whole: what "identical row for row" compares. */
export async function snapshot(pool: Pool, merchantId?: string): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const table of PROJECTIONS.flatMap((p) => p.tables)) out[table] = await rowsOf(pool, table, merchantId);
  return out;
}
