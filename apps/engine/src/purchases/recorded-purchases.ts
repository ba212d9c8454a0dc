import { Inject, Injectable } from '@nestjs/common';
import { parseStreamId, streams, upcast } from '@relance/domain';
import type { EventStore } from '@relance/event-store';
import { EVENT_STORE } from '@relance/platform';
import { PurchaseLocator } from './purchase-locator.repository.js';

/**
 * Whether a purchase was recorded on a customer's stream, read from the stream itself: what the
 * customer's state no longer says once the purchase's refund window has passed. A merge keeps the
 * duplicate's purchases in the duplicate's stream, so the streams of absorbed customers are read too.
 * Every purchase id found is marked recorded in the locator, so that the next duplicate of any of
 * them is refused without reading. For the rare paths only: a duplicate, a refund after the window.
 */
@Injectable()
export class RecordedPurchases {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly locator: PurchaseLocator,
  ) {}

  async holds(streamId: string, purchaseId: string): Promise<boolean> {
    const { category, merchantId } = parseStreamId(streamId);
    if (category !== 'customer') throw new Error(`Not a customer stream: ${streamId}`);
    const found = new Set<string>();
    const toRead = [streamId];
    const read = new Set<string>();
    for (let next = toRead.pop(); next !== undefined; next = toRead.pop()) {
      if (read.has(next)) continue;
      read.add(next);
      for (const stored of (await this.store.readStream(next)).events) {
        const event = upcast(stored);
        if (event.type === 'PurchaseRecorded') found.add((event.data as { purchaseId: string }).purchaseId);
        if (event.type === 'CustomersMergedV2') {
          const { role, mergedId } = event.data as { role: string; mergedId: string };
          if (role === 'survivor') toRead.push(streams.customer(merchantId, mergedId));
        }
      }
    }
    await this.locator.markRecorded(merchantId, [...found]);
    return found.has(purchaseId);
  }
}
