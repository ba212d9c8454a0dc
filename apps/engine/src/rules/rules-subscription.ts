import type { EventFilter, EventStore, LogPosition, RecordedEvent, Subscription, SubscriptionBatch } from '@relance/event-store';
import { comparePositions, START } from '@relance/event-store';
import type pg from 'pg';

/**
 * What the rules engine does with one batch of the log. `prepare` runs first, outside the
 * transaction (idempotent work on other streams: bonus points through the loyalty program);
 * `decide` runs inside the transaction that then stores the checkpoint, so a batch is decided,
 * recorded and acknowledged together or not at all.
 */
export interface BatchHandler {
  prepare(events: readonly RecordedEvent[]): Promise<void>;
  decide(events: readonly RecordedEvent[], tx: pg.PoolClient): Promise<void>;
}

export interface RulesSubscriptionOptions {
  readonly pool: pg.Pool;
  readonly store: EventStore;
  /** The checkpoint's name: processes serving the same merchants share it. */
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
}

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 30_000;
const READ_MODEL_POLL_MS = 10;

/**
 * The rules engine's checkpointed subscription over the log: at least once delivery, exactly one
 * decision per key (the decisions' bookkeeping says which keys are decided, under the merchant's
 * lock), a checkpoint that only moves forward (two processes may handle the same batch).
 */
export class RulesSubscription {
  private subscription: Subscription | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: RulesSubscriptionOptions) {}

  start(): void {
    this.running ??= this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.subscription?.close();
    await this.running;
  }

  async checkpoint(): Promise<LogPosition> {
    const { rows } = await this.options.pool.query<{ c: string; p: string }>(
      'SELECT commit_position::text AS c, prepare_position::text AS p FROM rules_checkpoints WHERE name = $1',
      [this.options.name],
    );
    return rows[0] ? { commit: BigInt(rows[0].c), prepare: BigInt(rows[0].p) } : START;
  }

  private async follow(): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    const { store, filter, batchSize } = this.options;
    while (!this.stopped) {
      try {
        this.subscription = store.subscribe({ after: await this.checkpoint(), filter, batchSize: batchSize ?? 500 });
        for await (const batch of this.subscription) {
          if (this.stopped) break;
          await this.handle(batch);
          retryMs = FIRST_RETRY_MS;
        }
      } catch (error) {
        if (this.stopped) return;
        this.options.onError?.(error);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
    }
  }

  private async handle(batch: SubscriptionBatch): Promise<void> {
    const { pool, handler, name } = this.options;
    if (batch.events.length > 0) {
      await this.readModelsAt(batch.events[batch.events.length - 1]!.position);
      if (this.stopped) return;
      await handler.prepare(batch.events);
    }
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      // Before any write: the transaction appends decisions to the log (see migration 0035).
      await tx.query('SELECT relance_begin_append()');
      if (batch.events.length > 0) await handler.decide(batch.events, tx);
      await tx.query(
        `INSERT INTO rules_checkpoints AS r (name, commit_position, prepare_position) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET commit_position = EXCLUDED.commit_position, prepare_position = EXCLUDED.prepare_position, updated_at = now()
          WHERE (r.commit_position, r.prepare_position) < (EXCLUDED.commit_position, EXCLUDED.prepare_position)`,
        [name, batch.checkpoint.commit.toString(), batch.checkpoint.prepare.toString()],
      );
      await tx.query('COMMIT');
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      tx.release();
    }
    if (batch.events.length > 0) await pool.query(`SELECT pg_notify('relance_events', '')`).catch(() => undefined);
    this.options.onBatch?.(batch);
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
