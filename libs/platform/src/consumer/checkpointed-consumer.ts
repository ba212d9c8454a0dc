import { formatPosition, parsePosition, START, type EventFilter, type EventStore, type LogPosition, type RecordedEvent, type Subscription, type SubscriptionBatch } from '@relance/event-store';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { HealthCheck } from '../nest/health.js';
import { SubscriptionProgress } from '../subscription-progress.js';
import { ConsumerLoop, type Backoff } from './consumer-loop.js';

export interface ConsumerLogger {
  log(message: string): void;
  error(message: string): void;
}

interface ConsumerBase {
  /** The checkpoint's key (one row of `engine_checkpoints`): consumers that share it share their progress. */
  readonly name: string;
  readonly filter?: EventFilter;
  /**
   * Work on a batch outside the transaction, before it (waiting for read models, enqueueing to Redis,
   * appends through the event store): idempotent, as a crash before the commit replays the batch.
   * A consumer stopped meanwhile leaves the batch unacknowledged.
   */
  readonly prepare?: (events: readonly RecordedEvent[]) => Promise<void>;
  /**
   * Handles a batch of events (in log order, at least once) inside the transaction that then moves the
   * checkpoint past them: what it writes with `tx` commits with the checkpoint or not at all. Work done
   * elsewhere (appends to the event store) must be idempotent, as a crash before the commit replays it.
   */
  readonly handle?: (events: readonly RecordedEvent[], tx: pg.PoolClient) => Promise<void>;
  /** After a batch's commit (tests, latency measurements). */
  readonly committed?: (batch: SubscriptionBatch) => void;
  /** After a failure, besides the log line (the turn resumes from the checkpoint in `retryInMs`). */
  readonly failed?: (error: unknown, retryInMs: number) => void;
  readonly store: EventStore;
  /** Where the checkpoint lives; the consumer ends with it. */
  readonly pool: pg.Pool;
  readonly logger: ConsumerLogger;
  /** Events per batch (one transaction). Default 200. */
  readonly batchSize?: number;
  /** Reads no more often than this (a safety net can wait a second rather than read on every append). */
  readonly minReadIntervalMs?: number;
  /** Default: 1 s doubling to 60 s. */
  readonly backoff?: Backoff;
  /** How often the lag behind the log's head is measured. Default 5 s. */
  readonly lagEveryMs?: number;
  /** Batches without an event for it move the stored checkpoint at most this often (0: every batch). Default 5 s. */
  readonly idleCheckpointMs?: number;
}

/** Its progress made here, on this registry, or handed over by an owner that already reports it. */
export type CheckpointedConsumerOptions = ConsumerBase &
  (
    | {
        /** The name on /metrics and /health (default: `name`). */
        readonly label?: string;
        readonly registry: Registry;
        /** Behind the log's head by more than this, /health reports the consumer degraded. */
        readonly lagAlertSeconds: number;
      }
    | { readonly progress: SubscriptionProgress }
  );

// Moves a checkpoint forward only: two processes running the same consumer (replicas) never move it
// back for each other; at worst one of them handles a batch the other already did.
const SAVE_CHECKPOINT = `
INSERT INTO engine_checkpoints (name, position) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()
 WHERE (split_part(engine_checkpoints.position, '/', 1)::numeric, split_part(engine_checkpoints.position, '/', 2)::numeric)
     < (split_part(EXCLUDED.position, '/', 1)::numeric, split_part(EXCLUDED.position, '/', 2)::numeric)`;

/**
 * A durable reaction to events: a catch-up subscription from a checkpoint stored in PostgreSQL, each
 * batch handled in the transaction that stores the checkpoint after it. On failure it stops, reports
 * it (/health degraded, a counter on /metrics), and resumes from the stored checkpoint after a
 * backoff; its lag behind the log's head is measured on a timer. It ends with stop(), or by itself when
 * its pool is ended. Every durable reaction of the engine runs on it: merge completion, the message
 * relay, the rules engine's event triggers and bonus points; a new one is a name, a filter and a handler.
 */
export class CheckpointedConsumer {
  readonly progress: SubscriptionProgress;
  private readonly loop: ConsumerLoop;
  private subscription: Subscription | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: CheckpointedConsumerOptions) {
    this.progress =
      'progress' in options
        ? options.progress
        : new SubscriptionProgress(options.label ?? options.name, options.store, options.registry, options.filter, options.lagAlertSeconds);
    this.loop = new ConsumerLoop({
      pool: options.pool,
      backoff: options.backoff ?? { firstMs: 1_000, maxMs: 60_000 },
      failed: (error, retryInMs) => {
        this.progress.failed(error);
        options.logger.error(`${this.progress.name} stopped on ${messageOf(error)}; resuming from its checkpoint in ${retryInMs / 1000} s`);
        options.failed?.(error, retryInMs);
      },
    });
  }

  /** The /health check: degraded while it fails or lags. */
  healthCheck(): HealthCheck {
    return this.progress.healthCheck();
  }

  /** Starts following the log from the stored checkpoint; what it returns settles when the consumer ends (stop() or the pool's end). */
  start(): Promise<void> {
    this.progress.start(this.options.lagEveryMs ?? 5_000);
    this.running ??= this.loop.run(() => this.follow()).finally(() => this.progress.stop());
    return this.running;
  }

  async stop(): Promise<void> {
    this.loop.stop();
    this.progress.stop();
    await this.subscription?.close();
    await this.running;
  }

  /** The stored checkpoint (START before the first batch). */
  async checkpoint(): Promise<LogPosition> {
    const { rows } = await this.options.pool.query<{ position: string }>('SELECT position FROM engine_checkpoints WHERE name = $1', [this.options.name]);
    return rows[0] ? parsePosition(rows[0].position) : START;
  }

  private async follow(): Promise<boolean> {
    const after = await this.checkpoint();
    this.progress.startsAt(after);
    const subscription = (this.subscription = this.options.store.subscribe({
      after,
      filter: this.options.filter,
      batchSize: this.options.batchSize ?? 200,
      minReadIntervalMs: this.options.minReadIntervalMs,
    }));
    try {
      let saved = Date.now();
      const { prepare, handle, committed } = this.options;
      const idleMs = this.options.idleCheckpointMs ?? 5_000;
      for await (const batch of subscription) {
        const events = batch.events;
        if (events.length > 0 && prepare) {
          await prepare(events);
          if (this.loop.stopped) break;
        }
        if (events.length > 0 || Date.now() - saved >= idleMs) {
          await this.inTransaction(async (tx) => {
            if (events.length > 0 && handle) await handle(events, tx);
            await tx.query(SAVE_CHECKPOINT, [this.options.name, formatPosition(batch.checkpoint)]);
          });
          saved = Date.now();
          committed?.(batch);
        }
        this.progress.advanced(batch.checkpoint);
        this.loop.succeeded();
      }
      return false;
    } finally {
      this.subscription = null;
      await subscription.close();
    }
  }

  private async inTransaction(work: (tx: pg.PoolClient) => Promise<void>): Promise<void> {
    const tx = await this.options.pool.connect();
    let broken = false;
    try {
      await tx.query('BEGIN');
      await work(tx);
      await tx.query('COMMIT');
    } catch (error) {
      broken = await tx.query('ROLLBACK').then(
        () => false,
        () => true,
      );
      throw error;
    } finally {
      tx.release(broken);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
