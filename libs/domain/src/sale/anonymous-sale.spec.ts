import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import { activeProgram, clubInput, line, PARIS } from '../customer/customer.fixtures.js';
import { anonymousSaleDecider, type AnonymousSaleCommand, type AnonymousSaleEvent } from './anonymous-sale.js';

const spec = deciderSpec(anonymousSaleDecider);
/** Refunds within 30 days. */
const shop = { timeZone: PARIS, currency: 'EUR', program: activeProgram({ ...clubInput, refunds: { windowDays: 30 } }) };
const SOLD = '2026-04-02T16:00:00.000Z';

const sale: Extract<AnonymousSaleCommand, { type: 'RecordPurchase' }> = {
  type: 'RecordPurchase',
  data: {
    purchaseId: 'anon-1',
    customerId: null,
    storeId: 'store-1',
    externalRef: 'T-0042',
    channel: 'pos',
    currency: 'EUR',
    lines: [line(1, 2997, { quantity: 3, unitPriceCents: 999 }), line(2, 4500, { category: 'champagne' })],
    totalCents: 7497,
    rewardIdsUsed: [],
    purchasedAt: SOLD,
  },
};
const recorded: AnonymousSaleEvent[] = [{ type: 'PurchaseRecorded', data: sale.data }];
const refund = (refundId: string, lines?: { lineNo: number; quantity: number }[]): AnonymousSaleCommand => ({
  type: 'RefundPurchase',
  data: { purchaseId: 'anon-1', refundId, refundedAt: '2026-04-03T10:00:00.000Z', storeId: 'store-1', reason: null, ...(lines ? { lines } : {}) },
});

describe('no sale yet', () => {
  it('records an anonymous sale, and nothing about points', () => {
    spec.given([]).when(sale, shop).then(recorded);
  });

  it('has no sale to refund', () => {
    spec.given([]).when(refund('r1'), shop).thenThrows('purchase-not-found', { purchaseId: 'anon-1' });
  });
});

describe('a recorded anonymous sale', () => {
  it('refuses to be recorded twice', () => {
    spec.given(recorded).when(sale, shop).thenThrows('purchase-already-recorded');
  });

  it('is refunded in part, per line, in proportion', () => {
    spec
      .given(recorded)
      .when(refund('r1', [{ lineNo: 1, quantity: 2 }]), shop)
      .then([
        {
          type: 'PurchaseRefunded',
          data: {
            purchaseId: 'anon-1',
            refundId: 'r1',
            customerId: null,
            storeId: 'store-1',
            currency: 'EUR',
            lines: [{ lineNo: 1, quantity: 2, amountCents: 1998 }],
            amountCents: 1998,
            reason: null,
            refundedAt: '2026-04-03T10:00:00.000Z',
          },
        },
      ]);
  });

  it('refunds what is left when no lines are named, and refuses more', () => {
    const partly: AnonymousSaleEvent[] = [
      ...recorded,
      { type: 'PurchaseRefunded', data: { purchaseId: 'anon-1', refundId: 'r1', customerId: null, storeId: 'store-1', currency: 'EUR', lines: [{ lineNo: 1, quantity: 2, amountCents: 1998 }], amountCents: 1998, reason: null, refundedAt: SOLD } },
    ];
    spec
      .given(partly)
      .when(refund('r2'), shop)
      .thenEvents((events) =>
        expect(events).toEqual([
          expect.objectContaining({
            type: 'PurchaseRefunded',
            data: expect.objectContaining({
              lines: [
                { lineNo: 1, quantity: 1, amountCents: 999 },
                { lineNo: 2, quantity: 1, amountCents: 4500 },
              ],
              amountCents: 5499,
            }),
          }),
        ]),
      );
    spec.given(partly).when(refund('r2', [{ lineNo: 1, quantity: 2 }]), shop).thenThrows('refund-exceeds-purchase', { lineNo: 1, remaining: 1 });
    spec.given(partly).when(refund('r1', [{ lineNo: 2, quantity: 1 }]), shop).thenThrows('refund-already-recorded');
  });
});

describe('a sale past its refund window (30 days)', () => {
  it('is refunded on its last day, 2 May, and no later', () => {
    const dated = (refundedAt: string): AnonymousSaleCommand => ({ type: 'RefundPurchase', data: { purchaseId: 'anon-1', refundId: 'r9', refundedAt, storeId: 'store-1', reason: null } });
    spec.given(recorded).when(dated('2026-05-02T21:59:59.000Z'), shop).thenEvents((events) => expect(events.map((e) => e.type)).toEqual(['PurchaseRefunded']));
    spec.given(recorded).when(dated('2026-05-02T22:00:00.000Z'), shop).thenThrows('refund-window-closed', { purchaseId: 'anon-1', closedAt: '2026-05-02T22:00:00.000Z' });
  });
});
