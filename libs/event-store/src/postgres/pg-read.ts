import type pg from 'pg';
import {
  BACKLOG_COUNT_LIMIT,
  START,
  comparePositions,
  type AllSlice,
  type Backlog,
  type EventFilter,
  type LogPosition,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamSlice,
} from '../event-store.js';
import { HORIZON, takeReadHorizon, withReadHorizon } from './pg-read-horizon.js';
import { currentRevision } from './pg-revision.js';
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
  return { events, revision: await currentRevision(db, streamId) };
}

/** Whole streams in one statement: forward reads, so each slice's revision is its last event's. */
export async function readStreams(db: Db, streamIds: readonly string[]): Promise<StreamSlice[]> {
  if (streamIds.length === 0) return [];
  const { rows } = await db.query<EventRow>({
    rowMode: 'array',
    name: 'relance_events_read_streams',
    text: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, stream_position`,
    values: [[...new Set(streamIds)]],
  });
  const byStream = new Map<string, RecordedEvent[]>();
  for (const row of rows) {
    const event = toRecordedEvent(row);
    let events = byStream.get(event.streamId);
    if (!events) byStream.set(event.streamId, (events = []));
    events.push(event);
  }
  return streamIds.map((id) => {
    const events = byStream.get(id) ?? [];
    return { events, revision: events.length ? events[events.length - 1]!.streamPosition : 'no-stream' };
  });
}

/**
 * `blocked`: committed events exist that this read could not return yet, because a transaction that
 * can still append is open below them (it holds the read horizon back). The subscription polls again
 * soon when so.
 */
export async function readAll(db: Db, options: ReadAllOptions = {}): Promise<AllSlice & { blocked: boolean }> {
  const after = options.after ?? START;
  const limit = options.maxCount ?? 1000;
  const { text, name, filterValues } = readAllQuery(options.filter);
  const [commit, prepare] = toPgPosition(after);
  const { rows } = await db.query<EventRow>({
    rowMode: 'array',
    name,
    text,
    values: [commit, prepare, limit, ...filterValues],
  });
  const { horizon: { horizon, blocked }, events: eventRows } = takeReadHorizon(rows);
  const events = eventRows.map(toRecordedEvent);
  inReadOrder(events);
  const isEnd = events.length < limit;
  let next = events.length ? events[events.length - 1]!.position : after;
  // No transaction below the horizon can add a row any more: the whole range before (horizon, -1) has
  // been seen, including rows the filter skipped. Moving there keeps a filtered checkpoint from
  // rescanning them forever.
  if (isEnd) next = max(next, { commit: horizon, prepare: -1n });
  return { events, next, isEnd, blocked };
}

/**
 * Against the head, not the horizon: committed events a reader cannot read yet (behind an append still
 * in flight) count too, since they are exactly what a held-back reader owes. The oldest is measured on
 * the database's clock.
 */
export async function backlog(db: Db, after: LogPosition, filter?: EventFilter): Promise<Backlog> {
  const { conditions, filterValues, suffix } = filterConditions(filter, 3);
  const [commit, prepare] = toPgPosition(after);
  const { rows } = await db.query<{ events: number; seconds: number }>({
    name: `relance_events_backlog_${suffix}`,
    text: `
SELECT count(*)::int AS events, COALESCE(extract(epoch FROM now() - min(recorded_at)), 0)::float8 AS seconds
  FROM (SELECT recorded_at FROM events
         WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
           ${conditions}
         ORDER BY transaction_id, global_position
         LIMIT $3) b`,
    values: [commit, prepare, BACKLOG_COUNT_LIMIT, ...filterValues],
  });
  const events = rows[0]!.events;
  return { events, complete: events < BACKLOG_COUNT_LIMIT, seconds: Math.max(0, rows[0]!.seconds) };
}

export async function headPosition(db: Db): Promise<LogPosition> {
  // The text casts have aliases of their own: under the column's name, ORDER BY would sort by the
  // text, where "999" comes after "445290", and the head would be the wrong row.
  const { rows } = await db.query<{ tx: string; pos: string }>({
    name: 'relance_events_head',
    text: `SELECT transaction_id::text AS tx, global_position::text AS pos FROM events
            WHERE transaction_id < (SELECT ${HORIZON})
            ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  });
  const row = rows[0];
  return row ? { commit: BigInt(row.tx), prepare: BigInt(row.pos) } : START;
}

/**
 * The nested loop over the one-row horizon CTE yields the index scan's order, but SQL does not promise
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

function max(a: LogPosition, b: LogPosition): LogPosition {
  return comparePositions(a, b) >= 0 ? a : b;
}

function readAllQuery(filter: EventFilter | undefined): { text: string; name: string; filterValues: string[][] } {
  const { conditions, filterValues, suffix } = filterConditions(filter, 3);
  const text = withReadHorizon(`
     SELECT ${EVENT_COLUMNS} FROM events
      WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
        AND transaction_id < s.h
        ${conditions}
      ORDER BY transaction_id, global_position
      LIMIT $3`);
  return { text, name: `relance_events_read_all_${suffix}`, filterValues };
}

/** The filter's conditions, numbered after the statement's first `taken` parameters. */
function filterConditions(filter: EventFilter | undefined, taken: number): { conditions: string; filterValues: string[][]; suffix: string } {
  const types = filter?.eventTypePrefixes?.length ? filter.eventTypePrefixes.map(likePrefix) : null;
  const streams = filter?.streamPrefixes?.length ? filter.streamPrefixes.map(likePrefix) : null;
  const conditions: string[] = [];
  const filterValues: string[][] = [];
  if (types) {
    filterValues.push(types);
    conditions.push(`AND event_type LIKE ANY($${taken + filterValues.length}::text[])`);
  }
  if (streams) {
    filterValues.push(streams);
    conditions.push(`AND stream_id LIKE ANY($${taken + filterValues.length}::text[])`);
  }
  return { conditions: conditions.join(' '), filterValues, suffix: `${types ? 't' : ''}${streams ? 's' : ''}` };
}

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
