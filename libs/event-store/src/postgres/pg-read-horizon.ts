import type { EventRow } from './pg-rows.js';

/**
 * The read horizon of the calling statement (migrations/0035): no transaction below it can still add a
 * row to the log. Only transactions that hold a write lock on `events` (or that ended while the horizon
 * was being worked out) bound it; a transaction elsewhere — another database, a projector's batch, a
 * long read — does not. Called once per statement: from a CTE or an uncorrelated subquery, never per row.
 */
export const HORIZON = 'relance_events_horizon(pg_current_snapshot())';

/** What a catch-up page was read under. */
export interface ReadHorizon {
  /** No transaction below this id can still append: the page holds every event below it that it could. */
  readonly horizon: bigint;
  /** Committed events exist above the horizon: an append still in flight holds them back. */
  readonly blocked: boolean;
}

/**
 * Wraps a page's query (`eventsBelow`, which reads `events` rows below `s.h`) into one statement that
 * also answers its horizon, so that the horizon is worked out for the very snapshot the events are
 * read under. A second statement would see another snapshot; a column on every event row would cost
 * the read. The horizon comes as one extra row, whose global position is NULL (no event row
 * has one) and whose values sit in the transaction id and event type columns: see takeReadHorizon.
 */
export function withReadHorizon(eventsBelow: string): string {
  return `
WITH s AS MATERIALIZED (SELECT ${HORIZON} AS h)
(SELECT NULL::bigint, s.h::text, NULL::text, NULL::bigint,
        (COALESCE((SELECT transaction_id FROM events ORDER BY transaction_id DESC LIMIT 1) >= s.h, false))::text,
        NULL::jsonb, NULL::jsonb
   FROM s)
UNION ALL
(SELECT e.* FROM s CROSS JOIN LATERAL (${eventsBelow}) e)`;
}

type HorizonRow = [null, horizon: string, null, null, blocked: 'true' | 'false', null, null];

/** Splits the answer of a withReadHorizon statement into its horizon and its event rows. */
export function takeReadHorizon(rows: readonly (EventRow | HorizonRow)[]): { horizon: ReadHorizon; events: EventRow[] } {
  let horizon: ReadHorizon | null = null;
  const events: EventRow[] = [];
  for (const row of rows) {
    if (row[0] !== null) {
      events.push(row as EventRow);
      continue;
    }
    if (horizon) throw new Error('A catch-up page answered two horizon rows');
    horizon = { horizon: BigInt(row[1]), blocked: row[4] === 'true' };
  }
  if (!horizon) throw new Error('A catch-up page answered no horizon row: its statement was not built by withReadHorizon');
  return { horizon, events };
}
