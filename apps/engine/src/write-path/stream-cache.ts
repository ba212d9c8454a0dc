/** A folded stream: its state and the revision of its last event. */
export interface CachedStream {
  readonly state: unknown;
  readonly revision: bigint | 'no-stream';
}

interface Entry {
  readonly stream: CachedStream;
  readonly bytes: number;
}

/**
 * The last state this process folded for a stream, so that a write does not re-read the stream it
 * wrote last. Never trusted blindly: appends use the cached revision as their exact expectation, and
 * a conflict (another replica wrote) evicts the entry and reloads. Bounded by the estimated bytes of
 * the states it holds, not by their number (one customer's state may weigh a thousand times
 * another's): past the budget, the least recently used entries go first, and a state larger than the
 * whole budget is not kept at all.
 */
export class StreamCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;

  constructor(private readonly budgetBytes: number) {}

  /** Estimated bytes of the states held. */
  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  get(streamId: string): CachedStream | undefined {
    const entry = this.entries.get(streamId);
    if (!entry) return undefined;
    // A Map iterates in insertion order: re-inserting makes it the most recently used.
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    return entry.stream;
  }

  set(streamId: string, stream: CachedStream, bytes: number): void {
    this.delete(streamId);
    if (bytes > this.budgetBytes) return;
    this.entries.set(streamId, { stream, bytes });
    this.held += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.held <= this.budgetBytes) break;
      this.entries.delete(oldest);
      this.held -= entry.bytes;
    }
  }

  delete(streamId: string): void {
    const entry = this.entries.get(streamId);
    if (!entry) return;
    this.entries.delete(streamId);
    this.held -= entry.bytes;
  }
}
