import type { Channel } from '@relance/domain';
import type { DeliveryLane } from '@relance/platform';

/**
 * One queue per lane, so that each provider gets its own rate limit and a slow one (letters, a
 * throttled SMS provider) never holds the others back: email (SendGrid), text (Twilio SMS and RCS),
 * postal (print batches).
 */
export const LANES: readonly DeliveryLane[] = ['email', 'text', 'postal'];

export function laneOf(channel: Channel): DeliveryLane {
  switch (channel) {
    case 'email':
      return 'email';
    case 'sms':
    case 'rcs':
      return 'text';
    case 'postal':
      return 'postal';
    default: {
      const unknown: never = channel;
      throw new Error(`No delivery lane for channel ${String(unknown)}`);
    }
  }
}

export function queueName(lane: DeliveryLane): string {
  return `relance-delivery-${lane}`;
}

/** Ids only: the worker reads everything else from the message's stream at send time. */
export interface DeliveryJob {
  readonly merchantId: string;
  readonly messageId: string;
}

/**
 * The job id is the message id (prefixed by its merchant: message ids are unique per merchant):
 * BullMQ adds a job whose id it already holds only once, so relaying a MessageQueued twice enqueues
 * it once.
 */
export function deliveryJobId(job: DeliveryJob): string {
  return `${job.merchantId}.${job.messageId}`;
}

export function parseDeliveryJobId(jobId: string): DeliveryJob | null {
  const dot = jobId.indexOf('.');
  return dot > 0 ? { merchantId: jobId.slice(0, dot), messageId: jobId.slice(dot + 1) } : null;
}

/** Completed jobs stay a day, so that a late relay of the same message finds its id and adds nothing. */
export const KEEP_COMPLETED = { age: 24 * 3600, count: 200_000 };
