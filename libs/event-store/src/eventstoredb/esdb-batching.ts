import { comparePositions, type EventFilter, type LogPosition, type RecordedEvent, type SubscriptionBatch } from '../event-store.js';
import { matchesFilter } from './esdb-filter.js';

/** What a subscription hands the accumulator, in the order the server sent it. */
export type SubscriptionSignal =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  /** The server's filtered read got this far: every matching event up to here has been sent. */
  | { readonly kind: 'checkpoint'; readonly position: LogPosition }
  /** The server says the subscription is live (servers from 23.10 on). */
  | { readonly kind: 'caught-up' }
  /** The server says the subscription is reading history again, having fallen behind. */
  | { readonly kind: 'fell-behind' };

export interface BatchAccumulatorOptions {
  readonly batchSize: number;
  readonly filter?: EventFilter;
  /** Exclusive: where this connection started. */
  readonly from: LogPosition;
  /**
   * The newest record in the log (system ones included) when this connection started, or null.
   * Reaching it means the log as it stood has been read, which is the port's meaning of caught up;
   * this is what reports it on servers older than 23.10, which never send a caught-up message (their
   * filtered subscriptions send a checkpoint at the live point instead, which gets here).
   */
  readonly head: LogPosition | null;
}

/**
 * Turns one signal at a time into SubscriptionBatches. Pure, so the subscription loop only has to
 * say, after each signal, whether more are already waiting (`moreAvailable`): events that are already
 * there go into one batch, up to batchSize, instead of one batch each.
 */
export class BatchAccumulator {
  private pending: RecordedEvent[] = [];
  /** Furthest position seen, matching or not: the checkpoint of the next batch. */
  private seen: LogPosition;
  /** Checkpoint of the last batch handed out. */
  private delivered: LogPosition;
  private live = false;
  private liveReported = false;
  /** Once the server has said whether it is live, its word counts and the head no longer does. */
  private serverReportsLive = false;

  constructor(private readonly options: BatchAccumulatorOptions) {
    this.seen = options.from;
    this.delivered = options.from;
    this.advance(options.from);
  }

  /** Where a new connection resumes from without losing or repeating anything handed out. */
  get checkpoint(): LogPosition {
    return this.delivered;
  }

  add(signal: SubscriptionSignal): void {
    if (signal.kind === 'caught-up' || signal.kind === 'fell-behind') {
      const live = signal.kind === 'caught-up';
      // Already live by the head (the server can say so later): nothing new to report.
      if (live !== this.live) this.liveReported = false;
      this.live = live;
      this.serverReportsLive = true;
    } else if (signal.kind === 'checkpoint') {
      this.advance(signal.position);
    } else if (comparePositions(signal.event.position, this.seen) > 0) {
      // (At or before `seen` it was already handled: a resubscription may start inside a batch.)
      this.advance(signal.event.position);
      if (matchesFilter(signal.event, this.options.filter)) this.pending.push(signal.event);
    }
  }

  shouldFlush(moreAvailable: boolean): boolean {
    if (this.pending.length >= this.options.batchSize) return true;
    if (moreAvailable) return false;
    return this.pending.length > 0 || comparePositions(this.seen, this.delivered) > 0 || (this.live && !this.liveReported);
  }

  flush(moreAvailable: boolean): SubscriptionBatch {
    const caughtUp = this.live && !moreAvailable;
    const batch: SubscriptionBatch = { events: this.pending, checkpoint: this.seen, caughtUp };
    this.pending = [];
    this.delivered = this.seen;
    if (caughtUp) this.liveReported = true;
    return batch;
  }

  private advance(position: LogPosition): void {
    if (comparePositions(position, this.seen) > 0) this.seen = position;
    if (this.serverReportsLive || !this.options.head) return;
    if (comparePositions(this.seen, this.options.head) >= 0) this.live = true;
  }
}
