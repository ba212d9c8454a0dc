import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import { fold } from '../shared/decider.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance } from './customer.summary.js';
import { at, club, clubWithoutAutoIssue as program, CUSTOMER, enrol, history, line, ofType, purchase } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const ENROLLED = '2026-01-10T10:00:00.000Z';
const SOLD = '2026-02-01T15:00:00.000Z';
const NOW = '2026-02-10T10:00:00.000Z';

const refund = (refundId: string, lines?: { lineNo: number; quantity: number }[], purchaseId = 'p1'): CustomerCommandOf<'RefundPurchase'> => ({
  type: 'RefundPurchase',
  data: { purchaseId, refundId, refundedAt: NOW, storeId: 'store-1', reason: 'bouchonné', ...(lines ? { lines } : {}) },
});

/** 3 bottles at 20 € and a champagne at 40 € (×2): basis 140 €, 140 points. */
const ticket = purchase('p1', SOLD, [line(1, 6000, { quantity: 3, unitPriceCents: 2000 }), line(2, 4000, { category: 'champagne' })]);
const bought = history([enrol, at(ENROLLED, program)], [ticket, at(SOLD, program)]);

describe('a customer who bought 140 points worth of wine', () => {
  it('gets a partial refund and gives back the points of the refunded part, from the purchase lot', () => {
    spec
      .given(bought)
      .when(refund('r1', [{ lineNo: 1, quantity: 1 }]), at(NOW, program))
      .then([
        {
          type: 'PurchaseRefunded',
          data: {
            purchaseId: 'p1',
            refundId: 'r1',
            customerId: CUSTOMER,
            storeId: 'store-1',
            currency: 'EUR',
            lines: [{ lineNo: 1, quantity: 1, amountCents: 2000 }],
            amountCents: 2000,
            reason: 'bouchonné',
            refundedAt: NOW,
          },
        },
        {
          type: 'PointsAdjusted',
          data: {
            customerId: CUSTOMER,
            adjustmentId: 'refund:r1',
            points: -20,
            reason: 'refund',
            sourceId: 'p1',
            lots: [{ lotId: 'purchase:p1', points: 20 }],
            debtPoints: 0,
            lotId: null,
            expiresAt: null,
            note: null,
            adjustedAt: NOW,
          },
        },
      ]);
  });

  it('gets a full refund and gives back every point, summing exactly to the ticket', () => {
    spec
      .given(bought)
      .when(refund('r1'), at(NOW, program))
      .thenEvents((events) => {
        expect(ofType(events, 'PurchaseRefunded')[0]).toMatchObject({
          lines: [
            { lineNo: 1, quantity: 3, amountCents: 6000 },
            { lineNo: 2, quantity: 1, amountCents: 4000 },
          ],
          amountCents: 10000,
        });
        expect(ofType(events, 'PointsAdjusted')[0]).toMatchObject({ points: -140, debtPoints: 0 });
      });
    spec.given(bought).when(refund('r1'), at(NOW, program)).thenState((state) => expect(customerBalance(state)).toBe(0));
  });

  it('refuses to refund more units than are left, naming the line', () => {
    spec
      .given(bought)
      .when(refund('r1', [{ lineNo: 1, quantity: 4 }]), at(NOW, program))
      .thenThrows('refund-exceeds-purchase', { lineNo: 1, requested: 4, remaining: 3 });
  });

  it('refuses a refund of a purchase it never made', () => {
    spec.given(bought).when(refund('r1', undefined, 'p9'), at(NOW, program)).thenThrows('purchase-not-found', { purchaseId: 'p9' });
  });
});

describe('a customer refunded unit by unit', () => {
  const oddTicket = purchase('p1', SOLD, [line(1, 1000, { quantity: 3, unitPriceCents: 334, discountCents: 2 })]);
  const one = [{ lineNo: 1, quantity: 1 }];
  const events = history(
    [enrol, at(ENROLLED, program)],
    [oddTicket, at(SOLD, program)],
    [refund('r1', one), at(NOW, program)],
    [refund('r2', one), at(NOW, program)],
  );

  it('gets the remainder with the last unit, so the line refunds exactly its total', () => {
    expect(ofType(events, 'PurchaseRefunded').map((r) => r.amountCents)).toEqual([333, 333]);
    spec
      .given(events)
      .when(refund('r3', one), at(NOW, program))
      .thenEvents((decided) => expect(ofType(decided, 'PurchaseRefunded')[0]?.amountCents).toBe(334));
  });

  it('gives back in total exactly the points earned (10), whatever the rounding of each refund', () => {
    const taken = ofType(events, 'PointsAdjusted').map((a) => a.points);
    expect(taken).toEqual([-3, -4]);
    spec
      .given(events)
      .when(refund('r3', one), at(NOW, program))
      .thenEvents((decided) => expect(ofType(decided, 'PointsAdjusted')[0]?.points).toBe(-3));
  });

  it('refuses the same refund id twice and a refund of a fully refunded purchase', () => {
    spec.given(events).when(refund('r2', one), at(NOW, program)).thenThrows('refund-already-recorded', { refundId: 'r2' });
    const all = [...events, ...customerDecider.decide(refund('r3', one), fold(customerDecider, events), at(NOW, program))];
    spec.given(all).when(refund('r4'), at(NOW, program)).thenThrows('refund-exceeds-purchase', { remainingCents: 0 });
  });
});

describe('a customer who already spent the points of the purchase being refunded', () => {
  // 250 points; the automatic voucher takes 200 of them at once.
  const spent = history([enrol, at(ENROLLED, club)], [purchase('p1', SOLD, [line(1, 25000)]), at(SOLD, club)]);

  it('takes back what is left in the lot and owes the rest as debt', () => {
    spec
      .given(spent)
      .when(refund('r1'), at(NOW, club))
      .thenEvents((events) =>
        expect(ofType(events, 'PointsAdjusted')[0]).toMatchObject({ points: -250, lots: [{ lotId: 'purchase:p1', points: 50 }], debtPoints: 200 }),
      );
    spec.given(spent).when(refund('r1'), at(NOW, club)).thenState((state) => expect(customerBalance(state)).toBe(-200));
  });

  it('repays the debt from the next points earned', () => {
    const inDebt = history([enrol, at(ENROLLED, club)], [purchase('p1', SOLD, [line(1, 25000)]), at(SOLD, club)], [refund('r1'), at(NOW, club)]);
    spec
      .given(inDebt)
      .when(purchase('p2', '2026-02-20T10:00:00.000Z', [line(1, 30000)]), at('2026-02-20T10:00:00.000Z', club))
      .thenEvents((events) => {
        expect(ofType(events, 'PointsEarned')[0]).toMatchObject({ points: 300, debtRepaid: 200 });
        // 100 points left: no voucher yet.
        expect(ofType(events, 'RewardIssued')).toEqual([]);
      });
  });
});
