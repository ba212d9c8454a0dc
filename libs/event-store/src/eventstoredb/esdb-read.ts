import {
  BACKWARDS,
  END,
  FORWARDS,
  START as ESDB_START,
  type EventStoreDBClient,
  type ReadPosition,
  type ReadStreamOptions as EsdbReadStreamOptions,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
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
import { isSystemEvent, matchesFilter } from './esdb-filter.js';
import type { StoredEvent, StreamTail } from './esdb-idempotency.js';
import { isStreamNotFound, toEsdbReadPosition, toLogPosition, toRecordedEvent } from './esdb-mapping.js';

export type ReadClient = Pick<EventStoreDBClient, 'readStream' | 'readAll'>;

/** Largest raw page of $all read in one call. */
const ALL_PAGE = 1000;
/**
 * The v6 client cannot filter a read of $all on the server (only subscriptions can), so readAll filters
 * here. A rare prefix could otherwise scan the whole log in one call; past this many raw events the
 * call returns what it has, with `next` past everything scanned, as the port allows.
 */
const ALL_SCAN_LIMIT = 10_000;
const HEAD_PAGE = 100;

async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of read) out.push(item);
  return out;
}

/** Null when the stream does not exist. */
async function readRaw(client: ReadClient, streamId: string, options: EsdbReadStreamOptions): Promise<ResolvedEvent[] | null> {
  try {
    return await collect(client.readStream(streamId, options));
  } catch (error) {
    if (isStreamNotFound(error)) return null;
    throw error;
  }
}

function toStoredEvent(resolved: ResolvedEvent): StoredEvent {
  const event = toRecordedEvent(resolved);
  return { eventId: resolved.event!.id, streamPosition: event.streamPosition, position: event.position };
}

export async function readTail(client: ReadClient, streamId: string, size: number): Promise<StreamTail> {
  const raw = await readRaw(client, streamId, { direction: BACKWARDS, fromRevision: END, maxCount: size });
  if (!raw || raw.length === 0) return { revision: 'no-stream', recent: [] };
  const recent = raw.map(toStoredEvent);
  return { revision: recent[0]!.streamPosition, recent };
}

export async function readRange(client: ReadClient, streamId: string, fromRevision: bigint, count: number): Promise<StoredEvent[]> {
  const raw = await readRaw(client, streamId, { direction: FORWARDS, fromRevision, maxCount: count });
  return (raw ?? []).map(toStoredEvent);
}

export async function readEsdbStream(client: ReadClient, streamId: string, options: ReadStreamOptions = {}): Promise<StreamSlice> {
  const backwards = options.direction === 'backwards';
  const { fromRevision: from, maxCount } = options;
  let events: RecordedEvent[] = [];
  const nothingToRead = (maxCount !== undefined && maxCount <= 0) || (backwards && from !== undefined && from < 0n);
  if (!nothingToRead) {
    const raw = await readRaw(client, streamId, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: from === undefined ? (backwards ? END : ESDB_START) : from < 0n ? ESDB_START : from,
      ...(maxCount !== undefined ? { maxCount } : {}),
    });
    if (raw === null) return { events: [], revision: 'no-stream' };
    events = raw.map(toRecordedEvent);
  }
  // A complete forward read ends with the stream's last event; anything else asks for the revision.
  const complete = !backwards && from === undefined && maxCount === undefined && events.length > 0;
  if (complete) return { events, revision: events[events.length - 1]!.streamPosition };
  return { events, revision: (await readTail(client, streamId, 1)).revision };
}

export async function readEsdbAll(client: ReadClient, options: ReadAllOptions = {}): Promise<AllSlice> {
  const after = options.after ?? START;
  const maxCount = options.maxCount ?? 1000;
  if (maxCount <= 0) return { events: [], next: after, isEnd: false };
  const pageSize = Math.min(Math.max(maxCount + 1, 64), ALL_PAGE);
  const events: RecordedEvent[] = [];
  let next = after;
  let scanned = 0;
  for (;;) {
    const page = await collect(client.readAll({ direction: FORWARDS, fromPosition: toEsdbReadPosition(next), maxCount: pageSize }));
    for (const resolved of page) {
      const position = toLogPosition(resolved.event?.position);
      // The read is inclusive: the event at `next` (already returned or skipped) comes back first.
      if (!resolved.event || !position || comparePositions(position, next) <= 0) continue;
      next = position;
      scanned++;
      if (!matchesFilter(resolved.event, options.filter)) continue;
      events.push(toRecordedEvent(resolved));
      if (events.length >= maxCount) return { events, next, isEnd: false };
    }
    if (page.length < pageSize) return { events, next, isEnd: true };
    if (scanned >= ALL_SCAN_LIMIT) return { events, next, isEnd: false };
  }
}

/** Position of the newest record of any kind, system ones included; null on an empty log. */
export async function lastLogPosition(client: Pick<EventStoreDBClient, 'readAll'>): Promise<LogPosition | null> {
  const [last] = await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
  return toLogPosition(last?.event?.position);
}

/** Position of the newest event that is not ESDB's own, START when there is none. */
export async function esdbHeadPosition(client: ReadClient): Promise<LogPosition> {
  let from: ReadPosition = END;
  for (;;) {
    const page = await collect(client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: HEAD_PAGE }));
    let oldest: LogPosition | null = null;
    for (const resolved of page) {
      const position = toLogPosition(resolved.event?.position);
      if (!resolved.event || !position) continue;
      // Whether a backwards read includes its start is not something to depend on.
      if (typeof from === 'object' && comparePositions(position, from) >= 0) continue;
      if (!isSystemEvent(resolved.event)) return position;
      oldest = position;
    }
    if (page.length < HEAD_PAGE || !oldest) return START;
    from = oldest;
  }
}

/** A remote count: fewer than PostgreSQL's, each event travels to this process to be counted. */
export const ESDB_BACKLOG_LIMIT = 10_000;

/** Events of $all after the position that match the filter (up to ESDB_BACKLOG_LIMIT), and the age of the oldest. */
export async function esdbBacklog(client: ReadClient, after: LogPosition, filter?: EventFilter, now = Date.now()): Promise<Backlog> {
  let events = 0;
  let oldest: number | null = null;
  let next = after;
  for (;;) {
    const slice = await readEsdbAll(client, { after: next, maxCount: Math.min(ALL_PAGE, ESDB_BACKLOG_LIMIT - events), ...(filter ? { filter } : {}) });
    for (const event of slice.events) {
      const at = Date.parse(event.metadata.recordedAt);
      if (Number.isFinite(at)) oldest = oldest === null ? at : Math.min(oldest, at);
    }
    events += slice.events.length;
    if (slice.isEnd) return { events, complete: true, seconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000) };
    if (events >= ESDB_BACKLOG_LIMIT) return { events, complete: false, seconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000) };
    next = slice.next;
  }
}
