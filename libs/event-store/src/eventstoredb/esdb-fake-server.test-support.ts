import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult,
  type EventData,
  type ReadAllOptions,
  type ReadStreamOptions,
} from '@eventstore/db-client';

/**
 * An in-memory model of the parts of EventStoreDB the adapter relies on, for unit tests that run
 * without a server. It models what the server source and the client's own tests show, and is no
 * proof that a real server agrees (the contract suite is, when EVENTSTORE_URL is set):
 * - reading $all forwards from a position is inclusive; positions are (p, p) for gRPC-written events;
 * - append results carry the last event's position and revision;
 * - idempotency: a pinned expectation behind the stream checks the ids right after it; any/exists
 *   look the ids up in a cache (here: the whole stream);
 * - a missing stream fails a read with StreamNotFoundError.
 */
export interface FakeRecord {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position: bigint;
}

export class FakeEsdbServer {
  readonly records: FakeRecord[] = [];
  appendCalls = 0;
  /** False: the server recognises no retry at all, so every check is the adapter's. */
  idempotency = true;
  /** Runs inside appendToStream before the expectation is checked: lets a test slip a writer in. */
  beforeAppend: (() => void) | null = null;
  private nextPosition = 1_000n;

  /** Stores events directly, as ESDB itself or another client would. */
  put(streamId: string, events: ReadonlyArray<{ id?: string; type: string; data?: unknown; metadata?: unknown }>): FakeRecord[] {
    let revision = this.revisionOf(streamId);
    const written = events.map((e) => {
      revision += 1n;
      this.nextPosition += 137n;
      const record: FakeRecord = {
        streamId,
        id: e.id ?? randomUUID(),
        revision,
        type: e.type,
        data: e.data ?? {},
        metadata: e.metadata ?? {},
        position: this.nextPosition,
      };
      this.records.push(record);
      return record;
    });
    return written;
  }

  revisionOf(streamId: string): bigint {
    let revision = -1n;
    for (const r of this.records) if (r.streamId === streamId && r.revision > revision) revision = r.revision;
    return revision;
  }

  async appendToStream(streamId: string, events: EventData | EventData[], options: { expectedRevision?: AppendExpectedRevision } = {}): Promise<AppendResult> {
    this.appendCalls++;
    const hook = this.beforeAppend;
    this.beforeAppend = null;
    hook?.();
    const list = Array.isArray(events) ? events : [events];
    const expected = options.expectedRevision ?? 'any';
    const current = this.revisionOf(streamId);
    const conflict = () =>
      new WrongExpectedVersionError(undefined, { streamName: streamId, expected, current: current < 0n ? 'no_stream' : current });
    const pinned = expected === 'no_stream' ? -1n : typeof expected === 'bigint' ? expected : null;
    if (pinned !== null && pinned > current) throw conflict();
    if (pinned !== null && pinned < current) {
      if (!this.idempotency) throw conflict();
      const stored = list.map((e, i) => this.find(streamId, (r) => r.revision === pinned + 1n + BigInt(i) && r.id === e.id));
      if (stored.every((r) => r)) return this.success(stored[stored.length - 1]!);
      throw conflict();
    }
    if (expected === 'stream_exists' && current < 0n) throw conflict();
    if (pinned === null && this.idempotency) {
      const stored = list.map((e) => this.find(streamId, (r) => r.id === e.id));
      if (stored.every((r) => r)) return this.success(stored[stored.length - 1]!);
      if (stored.some((r) => r)) throw conflict();
    }
    const written = this.put(
      streamId,
      list.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
    );
    return this.success(written[written.length - 1]!);
  }

  readAll(options: ReadAllOptions = {}): Readable {
    const { fromPosition = 'start', direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER } = options;
    const sorted = [...this.records].sort((a, b) => (a.position < b.position ? -1 : 1));
    const from = typeof fromPosition === 'object' ? fromPosition.commit : null;
    const picked =
      direction === 'forwards'
        ? sorted.filter((r) => fromPosition !== 'end' && (from === null || r.position >= from))
        : sorted.reverse().filter((r) => from === null || r.position <= from);
    return Readable.from(picked.slice(0, Number(maxCount)).map(toResolved));
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): Readable {
    const { fromRevision = options.direction === 'backwards' ? 'end' : 'start', direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER } = options;
    const stream = this.records.filter((r) => r.streamId === streamId);
    if (stream.length === 0) {
      return new Readable({
        objectMode: true,
        read() {
          this.destroy(new StreamNotFoundError(undefined, streamId));
        },
      });
    }
    const at = typeof fromRevision === 'bigint' ? fromRevision : null;
    const picked =
      direction === 'forwards'
        ? stream.filter((r) => fromRevision !== 'end' && (at === null || r.revision >= at))
        : [...stream].reverse().filter((r) => at === null || r.revision <= at);
    return Readable.from(picked.slice(0, Number(maxCount)).map(toResolved));
  }

  private find(streamId: string, match: (r: FakeRecord) => boolean): FakeRecord | undefined {
    return this.records.find((r) => r.streamId === streamId && match(r));
  }

  private success(last: FakeRecord): AppendResult {
    return { success: true, nextExpectedRevision: last.revision, position: { commit: last.position, prepare: last.position } };
  }
}

export function toResolved(r: FakeRecord): AllStreamResolvedEvent {
  return {
    event: {
      streamId: r.streamId,
      id: r.id,
      revision: r.revision,
      type: r.type,
      data: r.data,
      metadata: r.metadata,
      isJson: true,
      created: new Date(0),
      position: { commit: r.position, prepare: r.position },
    },
  } as AllStreamResolvedEvent;
}
