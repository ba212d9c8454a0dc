import type { ChannelAdapter, OutboundMessage, SendOutcome } from '@relance/channels';
import { MicroBatcher } from '@relance/event-store';

/**
 * Sends through an adapter's `sendBatch`, gathering what concurrent jobs send at the same moment:
 * SendGrid takes up to 1,000 recipients of one template in a request, so a lane of 50 concurrent
 * jobs makes a request per batch instead of one per email. A lone message waits for nothing.
 */
export class BatchedSend {
  private readonly batchers = new WeakMap<ChannelAdapter, MicroBatcher<OutboundMessage, SendOutcome>>();

  constructor(
    private readonly maxBatch = 500,
    private readonly inFlight = 4,
  ) {}

  send(adapter: ChannelAdapter, message: OutboundMessage): Promise<SendOutcome> {
    let batcher = this.batchers.get(adapter);
    if (!batcher) {
      batcher = new MicroBatcher<OutboundMessage, SendOutcome>((messages) => adapter.sendBatch(messages), (m) => m.messageId, { maxBatch: this.maxBatch, maxConcurrent: this.inFlight });
      this.batchers.set(adapter, batcher);
    }
    return batcher.submit(message);
  }
}
