import { MicroBatcher, type EventStore, type StreamSlice } from '@relance/event-store';

/**
 * Reads whole streams for the delivery workers, gathering what concurrent jobs read at the same
 * moment into one `readStreams`: each message costs two reads (its own stream, then its customer's),
 * and on this kind of machine a round trip to PostgreSQL costs far more than the rows it brings. A
 * lone read waits for nothing; under load, what arrives while a batch is in flight goes into the next.
 */
export class BatchedStreamReads {
  private next = 0;
  private readonly batcher: MicroBatcher<string, StreamSlice>;

  constructor(store: EventStore, maxBatch = 200, inFlight = 2) {
    // Reads of one stream may travel together: each submission is its own key.
    this.batcher = new MicroBatcher<string, StreamSlice>((ids) => store.readStreams(ids), () => String(this.next++), { maxBatch, maxConcurrent: inFlight });
  }

  read(streamId: string): Promise<StreamSlice> {
    return this.batcher.submit(streamId);
  }
}
