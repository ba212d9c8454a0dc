/**
 * The event store port. Two adapters implement it (PostgreSQL, EventStoreDB) and one contract suite
 * (test/integration/event-store/) holds both to the same behaviour.
 */

/**
 * A position in the global log. Ordered lexicographically by (commit, prepare).
 * PostgreSQL: (transaction id, global sequence). EventStoreDB: (commit, prepare) log positions.
 * Positions are opaque to callers: store them, compare them, hand them back.
 */
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Before every event: reading "after START" reads the whole log. */
export const START: LogPosition = Object.freeze({ commit: -1n, prepare: -1n });

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function formatPosition(p: LogPosition): string {
  return `${p.commit}/${p.prepare}`;
}

export function parsePosition(text: string): LogPosition {
  const match = /^(-?\d+)\/(-?\d+)$/.exec(text.trim());
  if (!match) throw new Error(`Invalid log position "${text}": expected "<commit>/<prepare>"`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}

/** Metadata carried by every event (docs/architecture.md, Events). */
export interface EventMetadata {
  /** UUIDv7, unique in the whole store: appending the same id twice stores it once. */
  readonly eventId: string;
  readonly merchantId: string;
  readonly correlationId: string;
  readonly causationId: string;
  /** Who caused it: an API key id (`key:<id>`) or a system component (`system:<name>`). */
  readonly actor: string;
  /** Business time, ISO-8601 UTC. */
  readonly occurredAt: string;
  /** When the engine accepted it, ISO-8601 UTC. */
  readonly recordedAt: string;
}

export interface EventToAppend {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent {
  readonly streamId: string;
  /** 0-based revision of the event in its stream. */
  readonly streamPosition: bigint;
  readonly position: LogPosition;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/**
 * - `any`: append whatever the stream holds;
 * - `no-stream`: the stream must not exist;
 * - `exists`: the stream must hold at least one event;
 * - a bigint: the revision of the stream's last event must be exactly this.
 */
export type ExpectedRevision = 'any' | 'no-stream' | 'exists' | bigint;

export interface AppendResult {
  /** Revision of the last appended event: the expected revision for the next append. */
  readonly nextExpectedRevision: bigint;
  /** Global position of the last appended event. */
  readonly position: LogPosition;
  /** True when every event id was already stored: nothing was written, the first result is returned. */
  readonly duplicate: boolean;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Forwards defaults to 0, backwards to the end. */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface StreamSlice {
  readonly events: readonly RecordedEvent[];
  /** Revision of the stream's last event, or 'no-stream'. */
  readonly revision: bigint | 'no-stream';
}

export interface EventFilter {
  /** Keep events whose type starts with one of these. */
  readonly eventTypePrefixes?: readonly string[];
  /** Keep events whose stream id starts with one of these. */
  readonly streamPrefixes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Defaults to START. */
  readonly after?: LogPosition;
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

export interface AllSlice {
  readonly events: readonly RecordedEvent[];
  /**
   * Where the next read continues from. Past the last returned event, and past any events the filter
   * skipped, so a filtered reader's checkpoint keeps moving.
   */
  readonly next: LogPosition;
  /** True when no committed event after `next` was visible at the time of the read. */
  readonly isEnd: boolean;
}

export interface SubscribeOptions {
  /** Exclusive: the stored checkpoint. Defaults to START. */
  readonly after?: LogPosition;
  readonly filter?: EventFilter;
  /** Upper bound of events per delivered batch. */
  readonly batchSize?: number;
  /**
   * Once caught up, wait at least this long between two reads, whatever wakes the subscription. For
   * background reactions that can afford the latency: they then cost the database a read per interval,
   * not one per append. Adapters whose server pushes events may ignore it.
   */
  readonly minReadIntervalMs?: number;
}

/** How far a reader is behind the log's head. */
export interface Backlog {
  /**
   * Committed events after the reader's position that match its filter, whether or not a reader may
   * read them yet (an append still in flight holds readers back, not this count).
   */
  readonly events: number;
  /**
   * False when counting stopped at the adapter's limit (PostgreSQL: BACKLOG_COUNT_LIMIT): `events` is
   * then a lower bound. Lag is an alarm, not a census, and counting costs a scan.
   */
  readonly complete: boolean;
  /** Age in seconds of the oldest of them (when it was recorded); 0 when there is none. */
  readonly seconds: number;
}

export const BACKLOG_COUNT_LIMIT = 100_000;

/** One delivery: handle the events, then store `checkpoint` (with the handler's writes, ideally). */
export interface SubscriptionBatch {
  readonly events: readonly RecordedEvent[];
  readonly checkpoint: LogPosition;
  /** True when this batch reached the end of the log as it stood: the subscription is now live. */
  readonly caughtUp: boolean;
}

/**
 * A catch-up subscription: reads history from the checkpoint, then follows new events live.
 * Iterate with `for await`; leaving the loop or calling `close()` ends it.
 */
export interface Subscription extends AsyncIterable<SubscriptionBatch> {
  close(): Promise<void>;
}

export interface EventStore {
  readonly kind: 'postgres' | 'eventstoredb';
  append(streamId: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StreamSlice>;
  /**
   * Several whole streams read forwards, one slice per id in the order given (an id given twice gets
   * two equal slices): what many concurrent readers of one stream each would read, in one round trip
   * where the store allows it.
   */
  readStreams(streamIds: readonly string[]): Promise<StreamSlice[]>;
  readAll(options?: ReadAllOptions): Promise<AllSlice>;
  subscribe(options?: SubscribeOptions): Subscription;
  /**
   * Position of the last event of the settled log (START when empty): a subscription started after it
   * misses nothing. It can lag a just-committed append while an older write is still in flight.
   */
  headPosition(): Promise<LogPosition>;
  /** The events a reader at `after` (with this filter) has not read yet, and how old the oldest is. */
  backlog(after: LogPosition, filter?: EventFilter): Promise<Backlog>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no-stream',
  ) {
    super(`Stream "${streamId}": expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** Some but not all event ids of an append were already stored: a caller bug, never retried. */
export class PartialDuplicateAppendError extends Error {
  override readonly name = 'PartialDuplicateAppendError';
  constructor(readonly streamId: string, readonly duplicateIds: readonly string[]) {
    super(`Stream "${streamId}": ${duplicateIds.length} of the event ids were already stored by another append`);
  }
}

/** An event id was already stored in a different stream. */
export class EventIdConflictError extends Error {
  override readonly name = 'EventIdConflictError';
  constructor(readonly eventId: string, readonly storedInStream: string, readonly attemptedStream: string) {
    super(`Event ${eventId} is already stored in stream "${storedInStream}", not "${attemptedStream}"`);
  }
}
