interface Pending<I, O> {
  readonly item: I;
  readonly key: string;
  readonly weight: number;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/** A flush's answer for one item that failed on its own: that item is rejected, the others resolve. */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

export interface MicroBatcherOptions<I> {
  /** Items a batch holds at most. Default 200. */
  readonly maxBatch?: number;
  /** Batches in flight at once. Default 1. */
  readonly maxConcurrent?: number;
  /** What an item weighs (the events of an append); a batch holds `maxWeight` at most, or one heavier item. */
  readonly weightOf?: (item: I) => number;
  readonly maxWeight?: number;
}

/**
 * Turns many concurrent single-row statements into one statement per batch. A batch starts as soon as
 * a slot is free, so a lone request waits for nothing; under load, what arrives while a batch is in
 * flight goes into the next one. On this kind of machine a round trip to PostgreSQL costs far more
 * (system calls, wake-ups) than the rows it carries, so this is where the write path's throughput is.
 *
 * Items with the same key never travel together, nor while an earlier one with that key is in flight
 * (one statement cannot upsert a row twice; two appends to one stream must commit in order). The
 * event store's group commit and the engine's idempotency and reservation tables all batch through it.
 */
export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private running = 0;
  private readonly busy = new Set<string>();
  private readonly maxBatch: number;
  private readonly maxConcurrent: number;
  private readonly maxWeight: number;

  constructor(
    private readonly flush: (items: readonly I[]) => Promise<readonly (O | ItemFailure)[]>,
    private readonly keyOf: (item: I) => string,
    private readonly options: MicroBatcherOptions<I> = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.maxConcurrent = options.maxConcurrent ?? 1;
    this.maxWeight = options.maxWeight ?? Infinity;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, key: this.keyOf(item), weight: this.options.weightOf?.(item) ?? 1, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      const batch: Pending<I, O>[] = [];
      const later: Pending<I, O>[] = [];
      let weight = 0;
      for (const pending of this.queue) {
        const fits = batch.length < this.maxBatch && (batch.length === 0 || weight + pending.weight <= this.maxWeight);
        if (fits && !this.busy.has(pending.key)) {
          this.busy.add(pending.key);
          batch.push(pending);
          weight += pending.weight;
        } else {
          later.push(pending);
        }
      }
      this.queue = later;
      // Only items whose key is in flight are left: they go when it lands.
      if (batch.length === 0) return;
      this.running++;
      this.send(batch).finally(() => {
        this.running--;
        for (const p of batch) this.busy.delete(p.key);
        this.pump();
      });
    }
  }

  private async send(batch: readonly Pending<I, O>[]): Promise<void> {
    let results: readonly (O | ItemFailure)[];
    try {
      results = await this.flush(batch.map((p) => p.item));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const result = results[i];
      if (result instanceof ItemFailure) p.reject(result.error);
      else p.resolve(result as O);
    });
  }
}
