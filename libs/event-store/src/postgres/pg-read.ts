import type pg from 'pg';
import {
  START,
  comparePositions,
  type AllSlice,
  type EventFilter,
  type LogPosition,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamSlice,
} from '../event-store.js';
import { EVENT_COLUMNS, toPgPosition, toRecordedEvent, type EventRow } from './pg-rows.js';

type Db = pg.Pool | pg.PoolClient;

export async function readStream(db: Db, streamId: string, options: ReadStreamOptions = {}): Promise<StreamSlice> {
  const backwards = options.direction === 'backwards';
  const limit = options.maxCount ?? null;
  const from = options.fromRevision ?? null;
  const { rows } = await db.query<EventRow>({
    rowMode: 'array',
    name: backwards ? 'relance_events_read_stream_back' : 'relance_events_read_stream',
    text: backwards
      ? `SELECT ${EVENT_COLUMNS} FROM events
          WHERE stream_id = $1 AND ($2::bigint IS NULL OR stream_position <= $2)
          ORDER BY stream_position DESC LIMIT $3`
      : `SELECT ${EVENT_COLUMNS} FROM events
          WHERE stream_id = $1 AND stream_position >= COALESCE($2::bigint, 0)
          ORDER BY stream_position LIMIT $3`,
    values: [streamId, from?.toString() ?? null, limit],
  });
  const events = rows.map(toRecordedEvent);
  // A complete forward read ends with the stream's last event; anything else asks for the revision.
  const complete = !backwards && from === null && limit === null;
  if (complete) return { events, revision: events.length ? events[events.length - 1]!.streamPosition : 'no-stream' };
  const rev = await db.query<{ rev: string | null }>({
    name: 'relance_events_current_revision',
    text: 'SELECT max(stream_position)::text AS rev FROM events WHERE stream_id = $1',
    values: [streamId],
  });
  const value = rev.rows[0]?.rev;
  return { events, revision: value === null || value === undefined ? 'no-stream' : BigInt(value) };
}

/**
 * `blocked`: committed events exist that this read could not return yet, because an older transaction
 * is still open and holds the snapshot's xmin below them. The subscription polls again soon when so.
 */
export async function readAll(db: Db, options: ReadAllOptions = {}): Promise<AllSlice & { blocked: boolean }> {
  const after = options.after ?? START;
  const limit = options.maxCount ?? 1000;
  const { text, name, filterValues } = readAllQuery(options.filter);
  const [commit, prepare] = toPgPosition(after);
  const { rows } = await db.query<EventRow | SnapshotRow>({
    rowMode: 'array',
    name,
    text,
    values: [commit, prepare, limit, ...filterValues],
  });
  let snapshot: SnapshotRow | undefined;
  const events: RecordedEvent[] = [];
  for (const row of rows) {
    if (row[0] === null) snapshot = row as SnapshotRow;
    else events.push(toRecordedEvent(row as EventRow));
  }
  const [, xminText, , , blockedText] = snapshot!;
  const xmin = BigInt(xminText);
  const blocked = blockedText === 'true';
  inReadOrder(events);
  const isEnd = events.length < limit;
  let next = events.length ? events[events.length - 1]!.position : after;
  // Every transaction below xmin has finished: the whole range before (xmin, -1) has been seen, including
  // rows the filter skipped. Moving there keeps a filtered checkpoint from rescanning them forever.
  if (isEnd) next = max(next, { commit: xmin, prepare: -1n });
  return { events, next, isEnd, blocked };
}

export async function headPosition(db: Db): Promise<LogPosition> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>({
    name: 'relance_events_head',
    text: `SELECT transaction_id::text, global_position::text FROM events
            WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  });
  const row = rows[0];
  return row ? { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) } : START;
}

/**
 * The nested loop over the one-row snapshot CTE yields the index scan's order, but SQL does not promise
 * it, and an ORDER BY around the join costs half the read (it sorts wide rows). So check in one pass,
 * and sort only if a plan ever changes it.
 */
function inReadOrder(events: RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    if (comparePositions(events[i - 1]!.position, events[i]!.position) >= 0) {
      events.sort((a, b) => comparePositions(a.position, b.position));
      return;
    }
  }
}

/** The row of a readAll answer without a position: the snapshot the page was read under. */
type SnapshotRow = [null, xmin: string, null, null, blocked: 'true' | 'false', null, null];

function max(a: LogPosition, b: LogPosition): LogPosition {
  return comparePositions(a, b) >= 0 ? a : b;
}

function readAllQuery(filter: EventFilter | undefined): { text: string; name: string; filterValues: string[][] } {
  const types = filter?.eventTypePrefixes?.length ? filter.eventTypePrefixes.map(likePrefix) : null;
  const streams = filter?.streamPrefixes?.length ? filter.streamPrefixes.map(likePrefix) : null;
  const conditions: string[] = [];
  const filterValues: string[][] = [];
  if (types) {
    filterValues.push(types);
    conditions.push(`AND event_type LIKE ANY($${3 + filterValues.length}::text[])`);
  }
  if (streams) {
    filterValues.push(streams);
    conditions.push(`AND stream_id LIKE ANY($${3 + filterValues.length}::text[])`);
  }
  // The snapshot's row (the one without a position) and the events come from one statement, so from
  // one snapshot. Its values sit in the text columns of the transaction id and the event type: event
  // rows carry nothing extra.
  const text = `
WITH s AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
(SELECT NULL::bigint, s.xmin::text, NULL::text, NULL::bigint,
        (COALESCE((SELECT transaction_id FROM events ORDER BY transaction_id DESC LIMIT 1) >= s.xmin, false))::text,
        NULL::jsonb, NULL::jsonb
   FROM s)
UNION ALL
(SELECT e.*
   FROM s CROSS JOIN LATERAL (
     SELECT ${EVENT_COLUMNS} FROM events
      WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
        AND transaction_id < s.xmin
        ${conditions.join(' ')}
      ORDER BY transaction_id, global_position
      LIMIT $3) e)`;
  return { text, name: `relance_events_read_all_${types ? 't' : ''}${streams ? 's' : ''}`, filterValues };
}

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
