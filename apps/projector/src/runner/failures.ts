import { formatPosition, type LogPosition } from '@relance/event-store';
import { fragment, sql, type Sql } from '@relance/platform';
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

/** A merchant's part of a projection, stopped at an event it cannot apply (table projection_parked). */
export interface ParkedPart {
  readonly projection: string;
  readonly merchantId: string;
  /** This merchant's events of the projection are applied up to here; the ones after it wait. */
  readonly position: LogPosition;
  readonly eventId: string;
  readonly eventType: string;
  readonly eventPosition: string;
  readonly error: string;
  readonly failures: number;
  readonly parkedAt: Date;
  readonly retryAt: Date;
}

/** A projection stopped as a whole at its checkpoint (columns of projection_checkpoints). */
export interface Stall {
  readonly error: string;
  readonly failures: number;
  readonly since: Date;
  readonly retryAt: Date;
}

/** The event a part failed on, as the parked row and the log name it. */
export interface FailedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly position: LogPosition;
}

export interface RetryPolicy {
  /** Delay before the first retry; it doubles with each failure, up to maxMs. */
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstMs: 1_000, maxMs: 60_000 };

export function retryAt(failures: number, policy: RetryPolicy, now = Date.now()): Date {
  return new Date(now + Math.min(policy.firstMs * 2 ** Math.min(Math.max(failures - 1, 0), 30), policy.maxMs));
}

export async function loadParked(db: Db, projections: readonly string[]): Promise<ParkedPart[]> {
  const { rows } = await db.query<{
    projection: string;
    merchant_id: string;
    commit_position: string;
    prepare_position: string;
    event_id: string;
    event_type: string;
    event_position: string;
    error: string;
    failures: number;
    parked_at: Date;
    retry_at: Date;
  }>(
    `SELECT projection, merchant_id, commit_position::text, prepare_position::text, event_id, event_type, event_position,
            error, failures, parked_at, retry_at
       FROM projection_parked WHERE projection = ANY($1::text[]) ORDER BY projection, merchant_id`,
    [projections],
  );
  return rows.map((r) => ({
    projection: r.projection,
    merchantId: r.merchant_id,
    position: { commit: BigInt(r.commit_position), prepare: BigInt(r.prepare_position) },
    eventId: r.event_id,
    eventType: r.event_type,
    eventPosition: r.event_position,
    error: r.error,
    failures: r.failures,
    parkedAt: r.parked_at,
    retryAt: r.retry_at,
  }));
}

/** Parks a merchant's part, in the transaction that moves the projection's checkpoint past its events. */
export function park(projection: string, merchantId: string, position: LogPosition, event: FailedEvent, error: string, retry: Date): Sql {
  return sql`
INSERT INTO projection_parked (projection, merchant_id, commit_position, prepare_position, event_id, event_type, event_position, error, retry_at)
VALUES (${projection}, ${merchantId}, ${String(position.commit)}::bigint, ${String(position.prepare)}::bigint,
        ${event.eventId}, ${event.type}, ${formatPosition(event.position)}, ${error}, ${retry.toISOString()}::timestamptz)`;
}

/**
 * Moves a parked part forward after some of its events were applied (in their transaction), or, at
 * `done`, deletes it: the part has caught up with its projection. Guarded like checkpoints: only from
 * where its writer read it.
 */
export function advanceParked(projection: string, merchantId: string, from: LogPosition, to: LogPosition, done: boolean): Sql {
  const where = fragment`projection = ${projection} AND merchant_id = ${merchantId}
   AND commit_position = ${String(from.commit)}::bigint AND prepare_position = ${String(from.prepare)}::bigint`;
  if (done) return sql`DELETE FROM projection_parked WHERE ${where} RETURNING 1`;
  return sql`UPDATE projection_parked SET commit_position = ${String(to.commit)}::bigint, prepare_position = ${String(to.prepare)}::bigint
   WHERE ${where} RETURNING 1`;
}

/** A retry that failed again: what it failed on, and when to try next. */
export async function recordParkedFailure(db: Db, part: ParkedPart, event: FailedEvent | null, error: string, retry: Date): Promise<void> {
  await db.query(
    `UPDATE projection_parked
        SET failures = failures + 1, failed_at = now(), error = $3, retry_at = $4,
            event_id = COALESCE($5, event_id), event_type = COALESCE($6, event_type), event_position = COALESCE($7, event_position)
      WHERE projection = $1 AND merchant_id = $2`,
    [part.projection, part.merchantId, error, retry.toISOString(), event?.eventId ?? null, event?.type ?? null, event ? formatPosition(event.position) : null],
  );
}

export async function loadStalls(db: Db, projections: readonly string[]): Promise<Map<string, Stall>> {
  const { rows } = await db.query<{ name: string; failure: string; failures: number; failing_since: Date; retry_at: Date }>(
    `SELECT name, failure, failures, failing_since, retry_at FROM projection_checkpoints
      WHERE name = ANY($1::text[]) AND failure IS NOT NULL`,
    [projections],
  );
  return new Map(rows.map((r) => [r.name, { error: r.failure, failures: r.failures, since: r.failing_since, retryAt: r.retry_at }]));
}

export async function recordStall(db: Db, projection: string, stall: Stall): Promise<void> {
  await db.query(
    `UPDATE projection_checkpoints SET failure = $2, failures = $3, failing_since = $4, retry_at = $5 WHERE name = $1`,
    [projection, stall.error, stall.failures, stall.since.toISOString(), stall.retryAt.toISOString()],
  );
}

export async function clearStalls(db: Db, projections: readonly string[]): Promise<void> {
  await db.query(
    `UPDATE projection_checkpoints SET failure = NULL, failures = 0, failing_since = NULL, retry_at = NULL WHERE name = ANY($1::text[])`,
    [projections],
  );
}
