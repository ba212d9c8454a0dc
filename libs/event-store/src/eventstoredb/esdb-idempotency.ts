import type { AppendExpectedRevision } from '@eventstore/db-client';
import {
  PartialDuplicateAppendError,
  START,
  WrongExpectedRevisionError,
  type AppendResult,
  type ExpectedRevision,
  type LogPosition,
} from '../event-store.js';
import { pinnedRevision, toEsdbExpectedRevision } from './esdb-mapping.js';

/**
 * How idempotent appends are recognised on EventStoreDB, and why this way.
 *
 * ESDB has its own idempotency, but it cannot tell us which happened: a retry it recognises returns
 * the same success as a fresh write (same revision, same position). And for `any`/`exists` it only
 * looks in a bounded in-memory cache of recent event ids, so an older retry is written a second time.
 * So every append first reads the stream's tail (one backwards read):
 * - pinned expectations (a revision, or no-stream): if the stream is past the pinned revision, our
 *   batch can only sit right after it, so one read at that revision says duplicate or conflict and
 *   nothing is written. If the stream is exactly there, the events cannot be stored yet: write.
 * - `any`/`exists`: look for the ids among the newest `events + TAIL_WINDOW` events; found, nothing is
 *   written. Not found, write; if ESDB then answers with a revision at or below the tail we read, its
 *   own cache knew the ids from further back: that is a duplicate too, read back at that revision.
 * A version conflict from ESDB after the tail read (another writer got in between) is checked the
 * same way before it is reported. Left open: two identical appends in flight at the same moment may
 * both report `duplicate: false`; the events are still stored once. Unlike PostgreSQL, an id stored
 * in another stream is not detected: ESDB has no index from event id to stream.
 */
export const TAIL_WINDOW = 64;

/** An event already in the stream, as much of it as the checks need. */
export interface StoredEvent {
  readonly eventId: string;
  readonly streamPosition: bigint;
  readonly position: LogPosition;
}

/** The stream just before the append: its revision and its newest events, newest first. */
export interface StreamTail {
  readonly revision: bigint | 'no-stream';
  readonly recent: readonly StoredEvent[];
}

export type AppendPlan =
  | { readonly kind: 'write'; readonly expectedRevision: AppendExpectedRevision }
  /** The batch, if it was stored before, starts at this revision. */
  | { readonly kind: 'look-for-ids'; readonly fromRevision: bigint }
  | { readonly kind: 'conflict'; readonly actual: bigint | 'no-stream' }
  | { readonly kind: 'duplicate'; readonly result: AppendResult };

/** How many of the newest events the tail read needs for this expectation. */
export function tailSize(expected: ExpectedRevision, eventCount: number): number {
  return pinnedRevision(expected) !== null ? 1 : eventCount + TAIL_WINDOW;
}

export function planAppend(streamId: string, expected: ExpectedRevision, tail: StreamTail, ids: readonly string[]): AppendPlan {
  const current = tail.revision === 'no-stream' ? -1n : tail.revision;
  const pinned = pinnedRevision(expected);
  if (pinned !== null) {
    if (current === pinned) return { kind: 'write', expectedRevision: toEsdbExpectedRevision(expected) };
    if (current > pinned) return { kind: 'look-for-ids', fromRevision: pinned + 1n };
    return { kind: 'conflict', actual: tail.revision };
  }
  if (expected === 'exists' && tail.revision === 'no-stream') return { kind: 'conflict', actual: 'no-stream' };
  const duplicate = duplicateOf(streamId, ids, tail.recent);
  if (duplicate) return { kind: 'duplicate', result: duplicate };
  return { kind: 'write', expectedRevision: toEsdbExpectedRevision(expected) };
}

/**
 * The first append's result when every id is among `stored`, null when none is. Some but not all is
 * a caller bug (PartialDuplicateAppendError), as on PostgreSQL.
 */
export function duplicateOf(streamId: string, ids: readonly string[], stored: readonly StoredEvent[]): AppendResult | null {
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  const found = stored.filter((e) => wanted.has(e.eventId.toLowerCase()));
  if (found.length === 0) return null;
  const foundIds = [...new Set(found.map((e) => e.eventId.toLowerCase()))];
  if (foundIds.length < wanted.size) throw new PartialDuplicateAppendError(streamId, foundIds);
  const last = found.reduce((a, b) => (b.streamPosition > a.streamPosition ? b : a));
  return { nextExpectedRevision: last.streamPosition, position: last.position, duplicate: true };
}

/**
 * A successful `any`/`exists` write whose revision is not past the tail we read wrote nothing: a fresh
 * write always lands after it. ESDB recognised the ids from its own cache.
 */
export function esdbRecognisedRetry(tail: StreamTail, nextExpectedRevision: bigint): boolean {
  return tail.revision !== 'no-stream' && nextExpectedRevision <= tail.revision;
}

/** An empty append writes nothing, but still checks the expectation and reports where the stream is. */
export function appendNothing(streamId: string, expected: ExpectedRevision, tail: StreamTail): AppendResult {
  const actual = tail.revision;
  const pinned = pinnedRevision(expected);
  const ok =
    expected === 'any' ||
    (expected === 'exists' && actual !== 'no-stream') ||
    (pinned !== null && (actual === 'no-stream' ? -1n : actual) === pinned);
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
  return {
    nextExpectedRevision: actual === 'no-stream' ? -1n : actual,
    position: tail.recent[0]?.position ?? START,
    duplicate: false,
  };
}
