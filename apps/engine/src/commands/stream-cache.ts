/** A folded stream: its state and the revision of its last event. */
export interface CachedStream {
  readonly state: unknown;
  readonly revision: bigint | 'no-stream';
}

/**
 * The last state this process folded for a stream, so that a write does not re-read the stream it
 * wrote last. Never trusted blindly: appends use the cached revision as their exact expectation, and
 * a conflict (another replica wrote) evicts the entry and reloads. Least recently used entries go first.
 */
export class StreamCache {
  private readonly entries = new Map<string, CachedStream>();

  constructor(private readonly capacity: number) {}

  get(streamId: string): CachedStream | undefined {
    const entry = this.entries.get(streamId);
    if (entry) {
      this.entries.delete(streamId);
      this.entries.set(streamId, entry);
    }
    return entry;
  }

  set(streamId: string, entry: CachedStream): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(streamId: string): void {
    this.entries.delete(streamId);
  }
}
