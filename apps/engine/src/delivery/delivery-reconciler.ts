import type { DeliveryQueues } from './delivery-queues.js';
import { deliveryJobId } from './delivery-jobs.js';
import type { DeliveryPending, PendingMessage } from './delivery-pending.repository.js';

export interface ReconcileReport {
  readonly checked: number;
  /** Messages still owed whose job Redis no longer held: re-created. */
  readonly recreated: number;
  /** Rows whose job had completed (the outcome is in the message's stream): cleared. */
  readonly cleared: number;
}

/**
 * Redis is not the record: when it loses jobs (flushed, restored from an old snapshot, failed over
 * without persistence), every message the relay handed over and whose outcome is not yet appended
 * is still in delivery_pending, and gets its job back here. A re-created job of a message that was
 * in fact sent finds MessageSent in the stream and sends nothing.
 */
export class DeliveryReconciler {
  constructor(
    private readonly pending: DeliveryPending,
    private readonly queues: DeliveryQueues,
  ) {}

  /** Rows relayed more than `graceMs` ago: younger ones may be between the pending insert and the enqueue. */
  async run(graceMs = 60_000, pageSize = 1000): Promise<ReconcileReport> {
    let checked = 0;
    let recreated = 0;
    let cleared = 0;
    let cursor: PendingMessage | null = null;
    for (;;) {
      const page = await this.pending.page(graceMs, cursor, pageSize);
      if (page.length === 0) break;
      cursor = page[page.length - 1]!;
      checked += page.length;
      const states = await Promise.all(page.map((m) => this.queues.lane(m.lane).getJobState(deliveryJobId(m))));
      const missing = page.filter((_, i) => states[i] === 'unknown');
      const completed = page.filter((_, i) => states[i] === 'completed');
      await this.queues.enqueue(missing);
      for (const m of completed) await this.pending.done(m.merchantId, m.messageId);
      recreated += missing.length;
      cleared += completed.length;
    }
    return { checked, recreated, cleared };
  }
}
