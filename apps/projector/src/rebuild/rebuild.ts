import type { EventStore } from '@relance/event-store';
import type pg from 'pg';
import type { Projection } from '../projection.js';
import { liveLockName, LockSession, nextLockName } from '../runner/locks.js';
import type { ProfileOpener } from '../runner/profile-opener.js';
import type { TimeZones } from '../runner/projection-context.js';
import { ProjectionRunner, type RunnerLogger } from '../runner/projection-runner.js';
import { completeNextTables, createNextTables, nextTablesExist, swapTables } from './next-tables.js';

export interface RebuildOptions {
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly profiles: ProfileOpener;
  readonly timeZones: TimeZones;
  readonly logger: RunnerLogger;
  readonly batchSize?: number;
  readonly pollMs?: number;
}

export interface RebuildReport {
  readonly projections: readonly string[];
  /** Projections whose rebuild went on from where an interrupted one stopped. */
  readonly resumed: readonly string[];
}

/**
 * Blue/green rebuild: `_next` tables built from position 0 (or resumed from their own checkpoint)
 * while the live tables keep serving and the live projector keeps running; then, holding the live
 * projections' locks (the live projector hands them over), a last catch-up and one transaction that
 * swaps the tables and moves the checkpoints.
 */
export async function rebuild(projections: readonly Projection[], options: RebuildOptions): Promise<RebuildReport> {
  const pollMs = options.pollMs ?? 200;
  const names = projections.map((p) => p.name);
  const session = await LockSession.open(options.pool);
  const db = session.client;
  try {
    for (const p of projections) await session.lock(nextLockName(p.name), pollMs);
    const resumed = await prepare(db, projections);
    if (resumed.length > 0) options.logger.log(`Resuming the rebuild of ${resumed.join(', ')} from its own checkpoint`);

    const build = () =>
      new ProjectionRunner({ ...options, projections, target: 'next', untilCaughtUp: true, session, batchSize: options.batchSize ?? 5000, writeConnections: 2 }).run();
    await build();
    await completeNextTables(options.pool, projections);

    await db.query(`UPDATE projection_rebuilds SET status = 'swapping' WHERE name = ANY($1::text[])`, [names]);
    for (const p of projections) await session.lock(liveLockName(p.name), pollMs);
    // The live writer is paused now: what it would have applied goes into the new tables instead.
    await build();

    await db.query('BEGIN');
    for (const p of projections) await swapTables(db, p);
    await db.query(
      `INSERT INTO projection_checkpoints AS c (name, version, commit_position, prepare_position, events_processed, updated_at)
       SELECT n.name, n.version, n.commit_position, n.prepare_position, n.events_processed, now()
         FROM projection_rebuild_checkpoints n WHERE n.name = ANY($1::text[])
       ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, commit_position = EXCLUDED.commit_position,
         prepare_position = EXCLUDED.prepare_position, events_processed = EXCLUDED.events_processed, updated_at = now(),
         failure = NULL, failures = 0, failing_since = NULL, retry_at = NULL`,
      [names],
    );
    // The new tables hold every event (a rebuild stops at the first it cannot apply): nothing waits any more.
    await db.query('DELETE FROM projection_parked WHERE projection = ANY($1::text[])', [names]);
    await db.query('DELETE FROM projection_rebuild_checkpoints WHERE name = ANY($1::text[])', [names]);
    await db.query(`UPDATE projection_rebuilds SET status = 'done', finished_at = now() WHERE name = ANY($1::text[])`, [names]);
    await db.query('COMMIT');
    return { projections: names, resumed };
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    session.close();
  }
}

/** Resumes the rebuilds that have their tables and checkpoint; starts the others from position 0. */
async function prepare(db: pg.PoolClient, projections: readonly Projection[]): Promise<string[]> {
  const resumed: string[] = [];
  for (const p of projections) {
    const { rows } = await db.query<{ resumable: boolean }>(
      `SELECT r.status <> 'done' AND EXISTS (SELECT 1 FROM projection_rebuild_checkpoints c WHERE c.name = r.name) AS resumable
         FROM projection_rebuilds r WHERE r.name = $1`,
      [p.name],
    );
    if (rows[0]?.resumable && (await nextTablesExist(db, p))) {
      resumed.push(p.name);
      continue;
    }
    await db.query('BEGIN');
    await createNextTables(db, p);
    await db.query('DELETE FROM projection_rebuild_checkpoints WHERE name = $1', [p.name]);
    await db.query(
      `INSERT INTO projection_rebuilds (name, status, version) VALUES ($1, 'building', $2)
       ON CONFLICT (name) DO UPDATE SET status = 'building', version = EXCLUDED.version, started_at = now(), finished_at = NULL`,
      [p.name, p.version],
    );
    await db.query('COMMIT');
  }
  return resumed;
}
