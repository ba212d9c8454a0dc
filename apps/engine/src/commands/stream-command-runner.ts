import { Inject, Injectable } from '@nestjs/common';
import { DomainError, EventMetadata, parseEvent, type DomainEvent } from '@relance/domain';
import { WrongExpectedRevisionError, type EventStore, type EventToAppend, type RecordedEvent } from '@relance/event-store';
import { CLOCK, EVENT_STORE, type Clock } from '@relance/platform';
import { derivedEventId } from '../shared/derived-ids.js';
import { KeyedQueue } from '../shared/keyed-queue.js';
import type { CommandEnvelope } from './command-envelope.js';
import { StreamCache } from './stream-cache.js';

export interface Folder<S, E> {
  initialState(): S;
  evolve(state: S, event: E): S;
}

export interface StreamCommand<S, E extends DomainEvent> {
  readonly streamId: string;
  readonly folder: Folder<S, E>;
  /** Decides on the current state; may prepare asynchronously (seal personal data). Throws DomainError to refuse. */
  readonly decide: (state: S) => E[] | Promise<E[]>;
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
const CACHE_CAPACITY = 50_000;

/**
 * The write path of every command: load the stream (cached fold when this process wrote it last),
 * decide, validate each event against the catalog, append with the exact revision read, and decide
 * again on a conflict. Commands on one stream run one at a time in this process. Event ids derive
 * from the command's seed, so a re-executed command either finds its events already stored (and
 * answers from them) or appends them once.
 */
@Injectable()
export class StreamCommandRunner {
  private readonly cache = new StreamCache(CACHE_CAPACITY);
  private readonly queue = new KeyedQueue();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

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
      let events: E[];
      try {
        events = await command.decide(state);
      } catch (error) {
        // A refusal judged on a cached state may be out of date (another replica wrote since): judge
        // again on the stream as stored before answering.
        if (!cached || !(error instanceof DomainError)) throw error;
        this.cache.delete(streamId);
        continue;
      }
      if (events.length === 0) return { state, events: [], recovered: false };
      const parsed = events.map((e) => parseEvent(e.type, e.data) as E);
      // Every event of an append shares its metadata but the id (derived, so valid by construction):
      // validating it once covers them all.
      const shared = EventMetadata.parse({
        eventId: derivedEventId(envelope.seed, `${step}:0`),
        merchantId: envelope.merchantId,
        correlationId: envelope.correlationId,
        causationId: envelope.causationId,
        actor: envelope.actor,
        occurredAt: command.occurredAt,
        recordedAt: this.clock.now().toISOString(),
      });
      const toAppend = parsed.map((event, i): EventToAppend => ({
        type: event.type,
        data: event.data,
        metadata: i === 0 ? shared : { ...shared, eventId: derivedEventId(envelope.seed, `${step}:${i}`) },
      }));
      try {
        const result = await this.store.append(streamId, toAppend, revision);
        if (result.duplicate) {
          this.cache.delete(streamId);
          const found = await this.findStored(command);
          if (found) return found;
          throw new Error(`Stream ${streamId}: the store reported a duplicate append but holds none of its events`);
        }
        let next = state;
        for (const event of parsed) next = folder.evolve(next, event);
        this.cache.set(streamId, { state: next, revision: result.nextExpectedRevision });
        return { state: next, events: parsed, recovered: false };
      } catch (error) {
        this.cache.delete(streamId);
        if (error instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /** The stream folded, from this process's cache when it holds it. */
  async load<S, E>(streamId: string, folder: Folder<S, E>): Promise<{ state: S; revision: bigint | 'no-stream'; cached: boolean }> {
    const hit = this.cache.get(streamId);
    if (hit) return { state: hit.state as S, revision: hit.revision, cached: true };
    const { state, revision } = await this.read(streamId, folder);
    this.cache.set(streamId, { state, revision });
    return { state, revision, cached: false };
  }

  /** The stream folded from the store, ignoring the cache (for reads that must see other replicas' writes). */
  async read<S, E>(streamId: string, folder: Folder<S, E>): Promise<{ state: S; revision: bigint | 'no-stream'; events: readonly RecordedEvent[] }> {
    const slice = await this.store.readStream(streamId);
    let state = folder.initialState();
    for (const event of slice.events) state = folder.evolve(state, event as unknown as E);
    return { state, revision: slice.revision, events: slice.events };
  }

  /** The events an earlier attempt of this command appended (one append: consecutive), and the state right after them. */
  private async findStored<S, E extends DomainEvent>(command: StreamCommand<S, E>): Promise<StreamOutcome<S, E> | null> {
    const { streamId, folder, envelope, step } = command;
    const { events } = await this.store.readStream(streamId);
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
