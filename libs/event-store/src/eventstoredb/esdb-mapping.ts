import {
  ANY,
  ErrorType,
  NO_STREAM,
  STREAM_EXISTS,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type CurrentRevision,
  type EventData,
  type JSONType,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
  type WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventToAppend,
  type ExpectedRevision,
  type LogPosition,
  type RecordedEvent,
} from '../event-store.js';

/** gRPC sends "position unknown" as the largest uint64 (Position.FromInt64(-1, -1) on the server). */
export const UNKNOWN_POSITION_PART = 2n ** 64n - 1n;

/** ESDB metadata keys its projections use to link events ($by_correlation_id, linkTo). */
export const CORRELATION_KEY = '$correlationId';
export const CAUSATION_KEY = '$causationId';

/**
 * ESDB positions are (commit, prepare) log positions, ordered the way comparePositions orders ours, so
 * they map one to one. Returns null when the server did not say where the event is: the uint64 sentinel,
 * or (0, 0), which is what an absent protobuf field decodes to and never a real event (the log opens
 * with an epoch record).
 */
export function toLogPosition(position: Position | undefined): LogPosition | null {
  if (!position) return null;
  const { commit, prepare } = position;
  if (commit === UNKNOWN_POSITION_PART || prepare === UNKNOWN_POSITION_PART) return null;
  if (commit < 0n || prepare < 0n || (commit === 0n && prepare === 0n)) return null;
  return { commit, prepare };
}

/**
 * Where ESDB should start reading for "after `after`". ESDB has no position before the first record,
 * so our START (-1/-1) becomes its 'start'. A read of $all from a position is inclusive (the event at
 * that position comes back first), so readers drop events at or before `after` themselves. A
 * subscription from a position is exclusive on the server, which skips the first record it finds
 * there: right for every position this store hands out (an event's, or a checkpoint the server sent
 * after the record it names), which is why positions are opaque to callers.
 */
export function toEsdbReadPosition(after: LogPosition): ReadPosition {
  if (after.commit < 0n) return 'start';
  return { commit: after.commit, prepare: after.prepare < 0n ? 0n : after.prepare };
}

export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no-stream') return NO_STREAM;
  if (expected === 'exists') return STREAM_EXISTS;
  return expected < 0n ? NO_STREAM : expected;
}

/**
 * The revision an expectation pins, -1 for "no stream" (a negative revision means the same, as in
 * toEsdbExpectedRevision); null when it pins none (any, exists).
 */
export function pinnedRevision(expected: ExpectedRevision): bigint | null {
  if (expected === 'no-stream') return -1n;
  if (typeof expected !== 'bigint') return null;
  return expected < 0n ? -1n : expected;
}

export function toActualRevision(current: CurrentRevision): bigint | 'no-stream' {
  return current === NO_STREAM || current < 0n ? 'no-stream' : current;
}

/** Our event id is the ESDB event id, so ESDB's own idempotency check sees the same identity as ours. */
export function toEsdbEvent(event: EventToAppend): EventData {
  const { metadata } = event;
  return jsonEvent({
    id: metadata.eventId,
    type: event.type,
    data: event.data as JSONType,
    metadata: { ...metadata, [CORRELATION_KEY]: metadata.correlationId, [CAUSATION_KEY]: metadata.causationId },
  });
}

/** Drops the keys toEsdbEvent added, so a reader gets back the metadata that was appended. */
export function fromEsdbMetadata(raw: unknown): EventMetadata {
  if (raw === null || typeof raw !== 'object' || raw instanceof Uint8Array || Array.isArray(raw)) {
    return {} as EventMetadata;
  }
  const { [CORRELATION_KEY]: _correlation, [CAUSATION_KEY]: _causation, ...rest } = raw as Record<string, unknown>;
  return rest as unknown as EventMetadata;
}

export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent {
  const event = resolved.event;
  if (!event) throw new Error('EventStoreDB returned a link whose event is gone (links are not resolved here)');
  const position = toLogPosition(event.position);
  if (!position) {
    throw new Error(
      `EventStoreDB did not report the log position of ${event.streamId}@${event.revision}: ` +
        'stream reads carry positions from server 22.6 on, and this adapter needs them',
    );
  }
  return {
    streamId: event.streamId,
    streamPosition: event.revision,
    position,
    type: event.type,
    data: event.data,
    metadata: fromEsdbMetadata(event.metadata),
  };
}

function hasType(error: unknown, type: ErrorType): boolean {
  return error instanceof Error && (error as { type?: unknown }).type === type;
}

// Matching on `type` rather than instanceof keeps working if two copies of the client get installed.
export function isWrongExpectedVersion(error: unknown): error is WrongExpectedVersionError {
  return hasType(error, ErrorType.WRONG_EXPECTED_VERSION);
}

export function isStreamNotFound(error: unknown): boolean {
  return hasType(error, ErrorType.STREAM_NOT_FOUND);
}

export function toWrongExpectedRevisionError(
  streamId: string,
  expected: ExpectedRevision,
  error: WrongExpectedVersionError,
): WrongExpectedRevisionError {
  return new WrongExpectedRevisionError(streamId, expected, toActualRevision(error.actualVersion));
}

/**
 * Our configuration accepts the KurrentDB schemes (kurrentdb://, kdb://, with +discover); the v6 client
 * only parses esdb:// and esdb+discover://, which mean the same thing.
 */
export function toEsdbConnectionString(url: string): string {
  return url.trim().replace(/^(?:kurrentdb|kdb)(\+discover)?:\/\//i, (_match, discover: string | undefined) => `esdb${discover ?? ''}://`);
}
