import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import type { MergeTransferV2 } from '../events/customer.events.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance } from './customer.summary.js';
import { at as atClub, clubWithoutAutoIssue, CUSTOMER, enrol, history, line, ofType, purchase } from './customer.fixtures.js';

// The duplicate lives under the club without its automatic voucher, so its lots stay whole.
const atNoAuto = (now: string) => atClub(now, clubWithoutAutoIssue);

const spec = deciderSpec(customerDecider);
const DUPLICATE = 'cust-2';
const NOW = '2028-02-01T10:00:00.000Z';

const enrolDuplicate: CustomerCommandOf<'EnrolCustomer'> = { ...enrol, data: { ...enrol.data, customerId: DUPLICATE } };
const dupPurchase = (id: string, when: string, cents: number) => purchase(id, when, [line(1, cents)], { customerId: DUPLICATE });

/** The duplicate: 150 points from 2026-01-15 (expired by NOW), 180 from 2026-06-01 (alive). */
const duplicate = history(
  [enrolDuplicate, atNoAuto('2026-01-10T10:00:00.000Z')],
  [dupPurchase('d1', '2026-01-15T10:00:00.000Z', 15000), atNoAuto('2026-01-15T10:00:00.000Z')],
  [dupPurchase('d2', '2027-06-01T10:00:00.000Z', 18000), atNoAuto('2027-06-01T10:00:00.000Z')],
);

describe('a duplicate customer with live and expired points', () => {
  it('expires its due points, then hands over its live lots, its refundable purchases and its spend in the tier window, and closes', () => {
    spec
      .given(duplicate)
      .when({ type: 'MergeInto', data: { survivorId: CUSTOMER } }, atNoAuto(NOW))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['PointsExpired', 'CustomersMergedV2']);
        const [merged] = ofType(events, 'CustomersMergedV2');
        expect(merged).toMatchObject({ survivorId: CUSTOMER, mergedId: DUPLICATE, role: 'merged', mergedAt: NOW });
        expect(merged?.transferred.lots).toEqual([
          { lotId: 'purchase:d2', remaining: 180, earnedAt: '2027-06-01T10:00:00.000Z', expiresAt: '2029-06-01T22:00:00.000Z' },
        ]);
        // d1 (January 2026) is past its 365-day refund window; d2 (June 2027) is not.
        expect(merged?.transferred.refundablePurchases.map((p) => p.purchaseId)).toEqual(['d2']);
        // The tier window runs from 1 February 2027: d2's day only, dated at its local midnight.
        expect(merged?.transferred.spend).toEqual([{ at: '2027-05-31T22:00:00.000Z', cents: 18000 }]);
        expect(merged?.transferred.debtPoints).toBe(0);
      });
  });

  it('cannot be merged into itself', () => {
    spec.given(duplicate).when({ type: 'MergeInto', data: { survivorId: DUPLICATE } }, atNoAuto(NOW)).thenThrows('merge-not-allowed');
  });
});

describe('a merged customer', () => {
  const merged = history(
    [enrolDuplicate, atNoAuto('2026-01-10T10:00:00.000Z')],
    [dupPurchase('d1', '2026-01-15T10:00:00.000Z', 15000), atNoAuto('2026-01-15T10:00:00.000Z')],
    [{ type: 'MergeInto', data: { survivorId: CUSTOMER } }, atNoAuto(NOW)],
  );

  it('refuses every command and names the survivor', () => {
    spec.given(merged).when(dupPurchase('d3', NOW, 1000), atNoAuto(NOW)).thenThrows('customer-merged', { survivorId: CUSTOMER });
    spec.given(merged).when({ type: 'MergeInto', data: { survivorId: 'cust-3' } }, atNoAuto(NOW)).thenThrows('customer-merged', { survivorId: CUSTOMER });
  });
});

describe('a survivor absorbing a duplicate', () => {
  const survivor = history([enrol, atClub('2026-01-10T10:00:00.000Z')], [purchase('s1', '2027-12-01T10:00:00.000Z', [line(1, 15000)]), atClub('2027-12-01T10:00:00.000Z')]);
  const transferred: MergeTransferV2 = {
    lots: [{ lotId: 'purchase:d2', remaining: 180, earnedAt: '2027-06-01T10:00:00.000Z', expiresAt: '2029-06-01T22:00:00.000Z' }],
    debtPoints: 0,
    refundablePurchases: [
      {
        purchaseId: 'd2',
        purchasedAt: '2027-06-01T10:00:00.000Z',
        totalCents: 18000,
        refundedCents: 0,
        lines: [{ lineNo: 1, quantity: 1, totalCents: 18000, basisCents: 18000, refundedQuantity: 0, refundedCents: 0 }],
        pointsEarned: 180,
        pointsTakenBack: 0,
        lotId: 'purchase:d2',
      },
    ],
    spend: [{ at: '2027-05-31T22:00:00.000Z', cents: 18000 }],
    rewards: [],
  };
  const absorb: CustomerCommandOf<'AbsorbCustomer'> = { type: 'AbsorbCustomer', data: { mergedId: DUPLICATE, transferred, mergedAt: NOW } };

  it('takes the points and spend in, moves up a tier and gets the voucher they add up to', () => {
    spec
      .given(survivor)
      .when(absorb, atClub(NOW))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['CustomersMergedV2', 'TierChanged', 'PointsRedeemed', 'RewardIssued']);
        expect(ofType(events, 'CustomersMergedV2')[0]).toEqual({ survivorId: CUSTOMER, mergedId: DUPLICATE, role: 'survivor', currency: 'EUR', transferred, mergedAt: NOW });
        expect(ofType(events, 'TierChanged')[0]).toMatchObject({ to: 'amateur', rollingSpendCents: 33000 });
        expect(ofType(events, 'PointsRedeemed')[0]).toMatchObject({ redemptionId: `merge-${DUPLICATE}-auto-1`, points: 200 });
      });
    spec.given(survivor).when(absorb, atClub(NOW)).thenState((state) => expect(customerBalance(state)).toBe(150 + 180 - 200));
  });

  it('can refund a purchase made under the duplicate', () => {
    const absorbed = [...survivor, ...customerDecider.decide(absorb, survivor.reduce(customerDecider.evolve, customerDecider.initialState()), atClub(NOW))];
    spec
      .given(absorbed)
      .when({ type: 'RefundPurchase', data: { purchaseId: 'd2', refundId: 'r1', refundedAt: NOW, storeId: 'store-1', reason: null } }, atClub(NOW))
      .thenEvents((events) => expect(ofType(events, 'PointsAdjusted')[0]).toMatchObject({ points: -180, sourceId: 'd2' }));
  });

  it('does nothing when the same duplicate is absorbed twice', () => {
    const absorbed = [...survivor, ...customerDecider.decide(absorb, survivor.reduce(customerDecider.evolve, customerDecider.initialState()), atClub(NOW))];
    spec.given(absorbed).when(absorb, atClub(NOW)).thenNothingHappened();
  });

  it('cannot absorb itself', () => {
    spec.given(survivor).when({ ...absorb, data: { ...absorb.data, mergedId: CUSTOMER } }, atClub(NOW)).thenThrows('merge-not-allowed');
  });
});
