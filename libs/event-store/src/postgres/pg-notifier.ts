import type pg from 'pg';
import { EVENTS_CHANNEL } from './pg-wake-up.js';

/**
 * Tells subscribers (in every process) that events were committed. Notifications are coalesced: while
 * one is in flight or within `minIntervalMs` of the last, any number of appends cause exactly one more,
 * so a busy writer sends at most one NOTIFY per interval instead of one per append (each NOTIFY is a
 * commit that takes PostgreSQL's notification lock). A crash between commit and notify only delays
 * readers until their next poll; nothing is lost, because what to read is decided by checkpoints.
 */
export class Notifier {
  private inFlight = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    /** Wakes this process's own subscribers without waiting for the round trip through PostgreSQL. */
    private readonly local: () => void,
    private readonly minIntervalMs = 25,
  ) {}

  committed(): void {
    this.local();
    if (this.closed) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    void this.send();
  }

  close(): void {
    this.closed = true;
  }

  private async send(): Promise<void> {
    this.inFlight = true;
    try {
      do {
        this.again = false;
        const started = Date.now();
        await this.pool.query({ name: 'relance_events_notify', text: `SELECT pg_notify('${EVENTS_CHANNEL}', '')` }).catch(() => {
          // Subscribers fall back to polling; an append never fails because a wake-up could not be sent.
        });
        const wait = this.minIntervalMs - (Date.now() - started);
        if (wait > 0 && this.again) await new Promise((resolve) => setTimeout(resolve, wait));
      } while (this.again && !this.closed);
    } finally {
      this.inFlight = false;
    }
  }
}
