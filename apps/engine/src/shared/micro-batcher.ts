interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Turns many concurrent single-row statements into one statement per batch. A batch starts as soon as
 * a slot is free, so a lone request waits for nothing; under load, what arrives while a batch is in
 * flight goes into the next one. On this kind of machine a round trip to PostgreSQL costs far more
 * (system calls, wake-ups) than the rows it carries, so this is where the write path's throughput is.
 * Items with the same key never share a batch (one statement cannot upsert a row twice).
 */
export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private running = 0;

  constructor(
    private readonly flush: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly keyOf: (item: I) => string,
    private readonly maxBatch = 200,
    private readonly maxConcurrent = 1,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      const batch: Pending<I, O>[] = [];
      const later: Pending<I, O>[] = [];
      const keys = new Set<string>();
      for (const pending of this.queue) {
        const key = this.keyOf(pending.item);
        if (batch.length < this.maxBatch && !keys.has(key)) {
          keys.add(key);
          batch.push(pending);
        } else {
          later.push(pending);
        }
      }
      this.queue = later;
      this.running++;
      this.flush(batch.map((p) => p.item))
        .then(
          (results) => batch.forEach((p, i) => p.resolve(results[i]!)),
          (error: unknown) => batch.forEach((p) => p.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}
