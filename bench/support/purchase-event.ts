import { v7 as uuidv7 } from 'uuid';
import type { EventToAppend } from '@relance/event-store';

const MERCHANT = 'bench-cave';

/** A PurchaseRecorded of one line, about 300 bytes once stored: the shape the perf anchors measured. */
export function purchaseEvent(customerNo: number, n: number, at = new Date()): EventToAppend {
  const eventId = uuidv7();
  const iso = at.toISOString();
  return {
    type: 'PurchaseRecorded',
    data: {
      purchaseId: `p${customerNo}-${n}`,
      customerId: `c${customerNo}`,
      storeId: 'paris-11',
      externalRef: null,
      channel: 'pos',
      currency: 'EUR',
      lines: [
        {
          lineNo: 1,
          sku: `SKU${n % 500}`,
          name: 'Saint-Joseph 2021',
          category: 'rouge',
          quantity: 1,
          unitPriceCents: 2450,
          discountCents: 0,
          promo: false,
          totalCents: 2450,
        },
      ],
      totalCents: 2450,
      rewardIdsUsed: [],
      purchasedAt: iso,
    },
    metadata: {
      eventId,
      merchantId: MERCHANT,
      correlationId: eventId,
      causationId: eventId,
      actor: 'system:bench',
      occurredAt: iso,
      recordedAt: iso,
    },
  };
}

export function customerStream(customerNo: number): string {
  return `customer-${MERCHANT}.c${customerNo}`;
}
