import { START, type LogPosition } from '@relance/event-store';
import { ident, sql, type Sql } from '@relance/platform';
import type pg from 'pg';

export interface Checkpoint {
  readonly name: string;
  readonly version: number;
  readonly position: LogPosition;
  readonly eventsProcessed: number;
}

/** Live projections' checkpoints, or (unlogged, like the tables) those of the rebuilds under way. */
export type CheckpointTable = 'projection_checkpoints' | 'projection_rebuild_checkpoints';

export async function loadCheckpoints(
  db: pg.Pool | pg.PoolClient,
  names: readonly string[],
  table: CheckpointTable = 'projection_checkpoints',
): Promise<Map<string, Checkpoint>> {
  const { rows } = await db.query<{ name: string; version: number; commit_position: string; prepare_position: string; events_processed: string }>(
    sql`SELECT name, version, commit_position::text, prepare_position::text, events_processed::text
          FROM ${ident(table)} WHERE name = ANY(${names}::text[])`,
  );
  return new Map(
    rows.map((r) => [
      r.name,
      {
        name: r.name,
        version: r.version,
        position: { commit: BigInt(r.commit_position), prepare: BigInt(r.prepare_position) },
        eventsProcessed: Number(r.events_processed),
      },
    ]),
  );
}

/** Creates the missing checkpoints at the start of the log (a projection seen for the first time). */
export async function ensureCheckpoints(
  db: pg.Pool | pg.PoolClient,
  entries: readonly { name: string; version: number }[],
  table: CheckpointTable = 'projection_checkpoints',
): Promise<void> {
  await db.query(sql`
INSERT INTO ${ident(table)} (name, version, commit_position, prepare_position)
SELECT name, version, ${String(START.commit)}::bigint, ${String(START.prepare)}::bigint
  FROM unnest(${entries.map((e) => e.name)}::text[], ${entries.map((e) => e.version)}::int[]) AS x(name, version)
ON CONFLICT (name) DO NOTHING`);
}

export interface CheckpointMove {
  readonly name: string;
  /** Where the writer believes the checkpoint stands: the move applies only from there. */
  readonly from: LogPosition;
  readonly to: LogPosition;
  readonly events: number;
}

/**
 * Moves checkpoints, in the caller's transaction, each only from the position its writer read. A
 * second writer (which the advisory lock should make impossible) then shows as a move that did not
 * happen, and the caller rolls the whole batch back instead of applying it twice.
 */
export function moveCheckpoints(moves: readonly CheckpointMove[], table: CheckpointTable = 'projection_checkpoints'): Sql {
  return sql`
UPDATE ${ident(table)} AS c
   SET commit_position = x.to_commit, prepare_position = x.to_prepare, events_processed = c.events_processed + x.events, updated_at = now()
  FROM unnest(${moves.map((m) => m.name)}::text[], ${moves.map((m) => String(m.from.commit))}::bigint[],
              ${moves.map((m) => String(m.from.prepare))}::bigint[], ${moves.map((m) => String(m.to.commit))}::bigint[],
              ${moves.map((m) => String(m.to.prepare))}::bigint[], ${moves.map((m) => m.events)}::bigint[])
       AS x(name, from_commit, from_prepare, to_commit, to_prepare, events)
 WHERE c.name = x.name AND c.commit_position = x.from_commit AND c.prepare_position = x.from_prepare
RETURNING c.name`;
}
