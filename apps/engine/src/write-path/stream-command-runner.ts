import { Inject, Injectable } from '@nestjs/common';
import { DomainError, upcast, type DomainEvent } from '@relance/domain';
import { WrongExpectedRevisionError, type EventStore, type RecordedEvent } from '@relance/event-store';
import { CLOCK, CONFIG, EVENT_STORE, METRICS, type AppConfig, type Clock } from '@relance/platform';
import { Gauge, type Registry } from 'prom-client';
import { derivedEventId } from './derived-ids.js';
import { KeyedQueue } from './keyed-queue.js';
import type { CommandEnvelope } from './command-envelope.js';
import { prepareAppend } from './prepared-append.js';
import { StreamCache } from './stream-cache.js';

export interface Folder<S, E> {
  initialState(): S;
  evolve(state: S, event: E): S;
  /** Whether a state folded earlier (cached, maybe under another program) serves this command; false folds the stream again. */
  accepts?(state: S): boolean;
  /** An estimate of the state's size in memory, in bytes, for the cache's budget. */
  sizeOf?(state: S): number;
}

/**
 * What a decision returns: its events, or its events and the state they lead to (the decider computed
 * it anyway: the runner keeps it rather than folding the events a second time).
 */
export type Decided<S, E> = readonly E[] | { readonly events: readonly E[]; readonly state: S };

export interface StreamCommand<S, E extends DomainEvent> {
  readonly streamId: string;
  readonly folder: Folder<S, E>;
  /** Decides on the current state; may prepare asynchronously (seal personal data). Throws DomainError to refuse. */
  readonly decide: (state: S) => Decided<S, E> | Promise<Decided<S, E>>;
  readonly envelope: CommandEnvelope;
  /** Names this append among the command's appends (a merge appends to two streams). */
  readonly step: string;
  /** Business time of what the command records. */
  readonly occurredAt: string;
  /**
   * The stream is known to be new (its id was just reserved): decide from the initial state without a
   * read. A wrong guess costs nothing but time: the append's no-stream expectation fails and the stream is read.
   */
  readonly fresh?: boolean;
}

export interface StreamOutcome<S, E> {
  /** The state right after this command's events (or the current state when it decided nothing). */
  readonly state: S;
  readonly events: readonly E[];
  /** True when the events were found already stored by an earlier attempt with the same seed. */
  readonly recovered: boolean;
}

const MAX_ATTEMPTS = 4;
/** The size assumed for a state whose folder does not estimate it. */
const UNSIZED_STATE_BYTES = 1024;

/**
 * The write path of every command: load the stream (cached fold when this process wrote it last),
 * decide, validate each event against the catalog, append with the exact revision read, and decide
 * again on a conflict. Commands on one stream run one at a time in this process. Event ids derive
 * from the command's seed, so a re-executed command either finds its events already stored (and
 * answers from them) or appends them once. Stored events are read through the upcasters: folders
 * see current event types only.
 */
@Injectable()
export class StreamCommandRunner {
  private readonly cache: StreamCache;
  private readonly queue = new KeyedQueue();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) config: AppConfig,
    @Inject(METRICS) registry: Registry,
  ) {
    const cache = (this.cache = new StreamCache(config.streamCacheBytes));
    new Gauge({
      name: 'relance_engine_stream_cache_bytes',
      help: 'Estimated bytes of the folded states the engine keeps (budget: STREAM_CACHE_BYTES)',
      registers: [registry],
      collect() {
        this.set(cache.bytes);
      },
    });
    new Gauge({
      name: 'relance_engine_stream_cache_streams',
      help: 'Streams whose folded state the engine keeps',
      registers: [registry],
      collect() {
        this.set(cache.size);
      },
    });
  }

  run<S, E extends DomainEvent>(command: StreamCommand<S, E>): Promise<StreamOutcome<S, E>> {
    return this.queue.run(command.streamId, () => this.decideAndAppend(command));
  }

  private async decideAndAppend<S, E extends DomainEvent>(command: StreamCommand<S, E>): Promise<StreamOutcome<S, E>> {
    const { streamId, folder, envelope, step } = command;
    if (envelope.resumed) {
      const found = await this.findStored(command);
      if (found) return found;
    }
    for (let attempt = 1; ; attempt++) {
      const { state, revision, cached } =
        command.fresh && attempt === 1 ? { state: folder.initialState(), revision: 'no-stream' as const, cached: true } : await this.load(streamId, folder);
      let decided: Decided<S, E>;
      try {
        decided = await command.decide(state);
      } catch (error) {
        // A refusal judged on a cached state may be out of date (another replica wrote since): judge
        // again on the stream as stored before answering.
        if (!cached || !(error instanceof DomainError)) throw error;
        this.cache.delete(streamId);
        continue;
      }
      const events = isEventList(decided) ? decided : decided.events;
      if (events.length === 0) return { state: isEventList(decided) ? state : decided.state, events: [], recovered: false };
      const { events: parsed, toAppend } = prepareAppend(events, envelope, step, command.occurredAt, this.clock.now().toISOString());
      try {
        const result = await this.store.append(streamId, toAppend, revision);
        if (result.duplicate) {
          this.cache.delete(streamId);
          const found = await this.findStored(command);
          if (found) return found;
          throw new Error(`Stream ${streamId}: the store reported a duplicate append but holds none of its events`);
        }
        const next = isEventList(decided) ? parsed.reduce(folder.evolve, state) : decided.state;
        this.remember(streamId, folder, next, result.nextExpectedRevision);
        return { state: next, events: parsed, recovered: false };
      } catch (error) {
        this.cache.delete(streamId);
        if (error instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /** Drops the stream's cached state: the next command folds it again from the store. */
  forget(streamId: string): void {
    this.cache.delete(streamId);
  }

  /** The stream folded, from this process's cache when it holds a state the folder accepts. */
  async load<S, E>(streamId: string, folder: Folder<S, E>): Promise<{ state: S; revision: bigint | 'no-stream'; cached: boolean }> {
    const hit = this.cache.get(streamId);
    if (hit && (!folder.accepts || folder.accepts(hit.state as S))) return { state: hit.state as S, revision: hit.revision, cached: true };
    const { state, revision } = await this.read(streamId, folder);
    this.remember(streamId, folder, state, revision);
    return { state, revision, cached: false };
  }

  /**
   * The stream folded from the store, ignoring the cache (for reads that must see other replicas'
   * writes); its events as stored, and as read (upcast).
   */
  async read<S, E>(
    streamId: string,
    folder: Folder<S, E>,
  ): Promise<{ state: S; revision: bigint | 'no-stream'; events: readonly RecordedEvent[] }> {
    const slice = await this.store.readStream(streamId);
    const events = slice.events.map((event) => upcast(event));
    let state = folder.initialState();
    for (const event of events) state = folder.evolve(state, event as unknown as E);
    return { state, revision: slice.revision, events };
  }

  private remember<S, E>(streamId: string, folder: Folder<S, E>, state: S, revision: bigint | 'no-stream'): void {
    this.cache.set(streamId, { state, revision }, folder.sizeOf ? folder.sizeOf(state) : UNSIZED_STATE_BYTES);
  }

  /** The events an earlier attempt of this command appended (one append: consecutive), and the state right after them. */
  private async findStored<S, E extends DomainEvent>(command: StreamCommand<S, E>): Promise<StreamOutcome<S, E> | null> {
    const { streamId, folder, envelope, step } = command;
    const events = (await this.store.readStream(streamId)).events.map((event) => upcast(event));
    const first = events.findIndex((e) => e.metadata.eventId === derivedEventId(envelope.seed, `${step}:0`));
    if (first < 0) return null;
    let state = folder.initialState();
    for (const event of events.slice(0, first)) state = folder.evolve(state, event as unknown as E);
    const mine: E[] = [];
    for (const event of events.slice(first)) {
      if (event.metadata.eventId !== derivedEventId(envelope.seed, `${step}:${mine.length}`)) break;
      const stored = { type: event.type, data: event.data } as E;
      state = folder.evolve(state, stored);
      mine.push(stored);
    }
    return { state, events: mine, recovered: true };
  }
}

function isEventList<S, E>(decided: Decided<S, E>): decided is readonly E[] {
  return Array.isArray(decided);
}
