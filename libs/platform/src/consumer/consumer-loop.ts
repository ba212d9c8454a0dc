import type pg from 'pg';

export interface Backoff {
  /** Wait before the first retry after a failure. */
  readonly firstMs: number;
  /** The wait doubles up to this. */
  readonly maxMs: number;
}

export interface ConsumerLoopOptions {
  /** The pool the consumer works on: once its owner ends it (shutdown), the loop ends instead of retrying. */
  readonly pool: pg.Pool;
  readonly backoff: Backoff;
  /** A turn failed; the next starts in `retryInMs`. What this throws ends the loop with that error. */
  readonly failed: (error: unknown, retryInMs: number) => void;
  /** The loop ends because the pool was ended under it. */
  readonly poolEnded?: (error: unknown) => void;
}

/**
 * What keeps a subscription with a stored checkpoint going: runs a turn (typically: load the
 * checkpoint, subscribe from it, handle batches until told to stop), and when a turn fails, waits with
 * a doubling backoff and runs another, which resumes from the stored checkpoint. Ends when stopped,
 * when a turn says it is done, or when its pool is ended. Every subscription that keeps a checkpoint —
 * the projector's runner, CheckpointedConsumer and so the engine's — runs on one.
 */
export class ConsumerLoop {
  private stopping = false;
  private wake: (() => void) | null = null;
  private backoffMs: number;

  constructor(private readonly options: ConsumerLoopOptions) {
    this.backoffMs = options.backoff.firstMs;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Runs turns until one returns true, stop(), or the pool ends. */
  async run(turn: () => Promise<boolean>): Promise<void> {
    while (!this.stopping) {
      try {
        if (await turn()) return;
        this.succeeded();
      } catch (error) {
        if (this.stopping) return;
        if (this.options.pool.ending || this.options.pool.ended) {
          this.options.poolEnded?.(error);
          return;
        }
        const wait = this.backoffMs;
        this.options.failed(error, wait);
        this.backoffMs = Math.min(wait * 2, this.options.backoff.maxMs);
        await this.pause(wait);
      }
    }
  }

  /** A turn made progress: the next failure waits the first backoff again. */
  succeeded(): void {
    this.backoffMs = this.options.backoff.firstMs;
  }

  /** A sleep that stop() cuts short. */
  pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Ends the loop after the current turn; a pause ends at once. The caller closes what the turn is waiting on. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }
}
