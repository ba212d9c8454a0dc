import { parseEvent, type PlannedAppend } from '@relance/domain';
import type pg from 'pg';

export interface AppendMetadata {
  readonly merchantId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly occurredAt: string;
}

export interface PlannedWithMetadata {
  readonly append: PlannedAppend;
  readonly metadata: AppendMetadata;
}

/*
 * Every event of the decisions of one evaluation, on any number of streams, in one statement inside
 * the caller's transaction (which called relance_begin_append() first): the decisions, the rules
 * bookkeeping and the subscription's checkpoint then commit together. Each stream's events follow
 * its last revision; campaign streams are only written under the merchant's rules lock, message
 * streams are new, and a customer stream the engine appends to at the same moment costs a retry.
 */
const APPEND_ALL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(s text, o int, i uuid, t text, d jsonb, m jsonb)
), cur AS (
  SELECT q.s, COALESCE((SELECT max(e.stream_position) FROM events e WHERE e.stream_id = q.s), -1) AS rev
    FROM (SELECT DISTINCT s FROM input) q
)
INSERT INTO events (stream_id, stream_position, event_id, event_type, data, metadata)
SELECT input.s, cur.rev + input.o, input.i, input.t, input.d, input.m
  FROM input JOIN cur USING (s)
 ORDER BY input.s, input.o`;

const MAX_RACES = 10;

export async function appendPlanned(db: pg.PoolClient, planned: readonly PlannedWithMetadata[], recordedAt: string): Promise<number> {
  const rows: { s: string; o: number; i: string; t: string; d: unknown; m: unknown }[] = [];
  const ordinal = new Map<string, number>();
  for (const { append, metadata } of planned) {
    for (const event of append.events) {
      // The catalog's check, as every append gets it: a decision that breaks a limit fails here, not in a projection.
      const parsed = parseEvent(event.type, event.data);
      const o = (ordinal.get(append.streamId) ?? 0) + 1;
      ordinal.set(append.streamId, o);
      rows.push({
        s: append.streamId,
        o,
        i: event.eventId,
        t: parsed.type,
        d: parsed.data,
        m: { eventId: event.eventId, merchantId: metadata.merchantId, correlationId: metadata.correlationId, causationId: metadata.causationId, actor: 'system:rules', occurredAt: metadata.occurredAt, recordedAt },
      });
    }
  }
  if (rows.length === 0) return 0;
  const json = JSON.stringify(rows);
  for (let attempt = 1; ; attempt++) {
    await db.query('SAVEPOINT rules_append');
    try {
      const result = await db.query(APPEND_ALL, [json]);
      await db.query('RELEASE SAVEPOINT rules_append');
      return result.rowCount ?? 0;
    } catch (error) {
      await db.query('ROLLBACK TO SAVEPOINT rules_append');
      const e = error as { code?: string; constraint?: string };
      // Another writer took a customer stream's next revision first: read the revisions again.
      if (e.code === '23505' && e.constraint === 'events_stream_position_key' && attempt < MAX_RACES) continue;
      throw error;
    }
  }
}

/** Wakes the log's subscribers (delivery's relay, the projector) once the transaction committed. */
export async function notifyAppended(pool: pg.Pool): Promise<void> {
  await pool.query(`SELECT pg_notify('relance_events', '')`).catch(() => undefined);
}
