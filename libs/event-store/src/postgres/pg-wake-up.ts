import pg from 'pg';

export const EVENTS_CHANNEL = 'relance_events';

/**
 * One LISTEN connection shared by every subscription of a store. A notification only means "read
 * again"; when the connection is down, subscribers keep working by polling.
 */
export class WakeUp {
  private client: pg.Client | null = null;
  private starting: Promise<void> | null = null;
  private waiters = new Set<() => void>();
  private closed = false;
  /** Incremented on every notification, so a reader can tell whether one arrived while it was reading. */
  sequence = 0;

  constructor(private readonly connectionString: string) {}

  start(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.starting ??= this.connect().catch(() => {
      this.starting = null;
      this.scheduleReconnect();
    });
    return this.starting;
  }

  /** Resolves on the next notification, after `timeoutMs`, or at once if one arrived since `seenSequence`. */
  wait(seenSequence: number, timeoutMs: number): Promise<void> {
    if (this.sequence !== seenSequence || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** An append committed in this process: wake our own subscribers at once. */
  localCommit(): void {
    this.sequence++;
    this.interrupt();
  }

  /** Wakes every waiter now (used when a subscription closes). */
  interrupt(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.interrupt();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'relance-listen' });
    client.on('notification', () => {
      this.sequence++;
      this.interrupt();
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    // Anything committed while we were not listening must be picked up.
    this.sequence++;
    this.interrupt();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.starting = null;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    setTimeout(() => void this.start(), 1000).unref();
  }
}
