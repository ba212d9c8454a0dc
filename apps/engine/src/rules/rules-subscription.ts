import type { EventFilter, EventStore, LogPosition, RecordedEvent, SubscriptionBatch } from '@relance/event-store';
import { comparePositions } from '@relance/event-store';
import { CheckpointedConsumer, type HealthCheck } from '@relance/platform';
import type pg from 'pg';
import { Registry } from 'prom-client';

/**
 * What the rules engine does with one batch of the log. `prepare` runs first, outside the
 * transaction (idempotent work on other streams: bonus points through the loyalty program);
 * `decide` runs inside the transaction that then stores the checkpoint, so a batch is decided,
 * recorded and acknowledged together or not at all.
 */
export interface BatchHandler {
  prepare(events: readonly RecordedEvent[]): Promise<void>;
  decide?(events: readonly RecordedEvent[], tx: pg.PoolClient): Promise<void>;
}

export interface RulesSubscriptionOptions {
  readonly pool: pg.Pool;
  readonly store: EventStore;
  /** The checkpoint's name (a row of engine_checkpoints): processes serving the same merchants share it. */
  readonly name: string;
  readonly filter: EventFilter;
  readonly handler: BatchHandler;
  /**
   * Read models the decisions read (projection names): a batch waits until each has applied its
   * last event, so that a purchase is decided on the customer's facts including it. Empty: no wait.
   */
  readonly readModels: readonly string[];
  readonly batchSize?: number;
  readonly onError?: (error: unknown) => void;
  /** Called after each committed batch (tests, metrics). */
  readonly onBatch?: (batch: SubscriptionBatch) => void;
  /** Where its lag and failures are reported (the rules process's /metrics); none: kept to itself. */
  readonly registry?: Registry;
  /** Behind the log's head by more than this, its health check fails (default: never). */
  readonly lagAlertSeconds?: number;
}

const READ_MODEL_POLL_MS = 10;
const quiet = { log: () => undefined, error: () => undefined };

/**
 * The rules engine's subscriptions over the log, on the shared CheckpointedConsumer: at least once
 * delivery, exactly one decision per key (the decisions' bookkeeping says which keys are decided,
 * under the merchant's lock), a checkpoint that only moves forward (two processes may handle the
 * same batch). What this adds to the consumer: the wait for the read models the decisions read, and
 * a transaction that may append to the log.
 */
export class RulesSubscription {
  private readonly consumer: CheckpointedConsumer;
  private stopped = false;

  constructor(private readonly options: RulesSubscriptionOptions) {
    const { handler } = options;
    const decide = handler.decide?.bind(handler);
    this.consumer = new CheckpointedConsumer({
      name: options.name,
      filter: options.filter,
      prepare: async (events) => {
        await this.readModelsAt(events[events.length - 1]!.position);
        if (!this.stopped) await handler.prepare(events);
      },
      ...(decide
        ? {
            handle: async (events: readonly RecordedEvent[], tx: pg.PoolClient) => {
              // No relance_begin_append() here: the writers call it just before their first write, so the
              // log's readers (the projector this batch waits for, the relay) wait only for the writes,
              // not for the reads and the deciding before them, and not at all for a batch deciding nothing.
              await decide(events, tx);
              // Delivered at the commit: wakes the subscribers of the decisions just appended.
              await tx.query(`SELECT pg_notify('relance_events', '')`);
            },
          }
        : {}),
      ...(options.onBatch ? { committed: options.onBatch } : {}),
      failed: (error) => options.onError?.(error),
      store: options.store,
      pool: options.pool,
      registry: options.registry ?? new Registry(),
      lagAlertSeconds: options.lagAlertSeconds ?? Number.POSITIVE_INFINITY,
      lagEveryMs: 5_000,
      logger: quiet,
      batchSize: options.batchSize ?? 500,
      backoff: { firstMs: 200, maxMs: 30_000 },
      // Every batch stores its checkpoint, also one of events the rules do not read.
      idleCheckpointMs: 0,
    });
  }

  start(): void {
    void this.consumer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.stop();
  }

  /** Stopped on a failure, or further behind the log's head than its alert: the reason. */
  healthCheck(): HealthCheck {
    return this.consumer.progress.healthCheck();
  }

  checkpoint(): Promise<LogPosition> {
    return this.consumer.checkpoint();
  }

  /** Waits until every read model the decisions read has applied the log up to `position`. */
  private async readModelsAt(position: LogPosition): Promise<void> {
    const names = this.options.readModels;
    if (names.length === 0) return;
    while (!this.stopped) {
      const { rows } = await this.options.pool.query<{ name: string; c: string; p: string }>(
        'SELECT name, commit_position::text AS c, prepare_position::text AS p FROM projection_checkpoints WHERE name = ANY($1::text[])',
        [names],
      );
      const behind = names.filter((n) => {
        const row = rows.find((r) => r.name === n);
        return !row || comparePositions({ commit: BigInt(row.c), prepare: BigInt(row.p) }, position) < 0;
      });
      if (behind.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, READ_MODEL_POLL_MS));
    }
  }
}
