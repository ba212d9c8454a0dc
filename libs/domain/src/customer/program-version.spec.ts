import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance, customerLots } from './customer.summary.js';
import { activeProgram, at, clubInput, enrol, history, line, ofType, purchase } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const v1 = activeProgram({ ...clubInput, rewards: [] }, 'v1');
/** Twice the points per euro, points for 12 months only, Amateur from 200 €. */
const v2 = activeProgram(
  {
    ...clubInput,
    rewards: [],
    earn: { ...clubInput.earn, perEuro: 2 },
    expiry: { months: 12 },
    tiers: { ...clubInput.tiers, levels: clubInput.tiers.levels.map((l) => (l.id === 'amateur' ? { ...l, minSpendCents: 20000 } : l)) },
  },
  'v2',
);

/** 150 points earned under v1 on 1 February 2026, expiring after 24 months. */
const underV1 = history([enrol, at('2026-01-10T10:00:00.000Z', v1)], [purchase('p1', '2026-02-01T10:00:00.000Z', [line(1, 15000)]), at('2026-02-01T10:00:00.000Z', v1)]);

describe('a customer whose points were earned under program v1, now that v2 is in force', () => {
  it('keeps its balance and the expiry dates its lots were given', () => {
    spec
      .given(underV1)
      .when({ type: 'ReviewCustomer', data: {} }, at('2027-03-01T10:00:00.000Z', v2))
      .thenState((state) => {
        expect(customerBalance(state)).toBe(150);
        expect(state.status === 'active' && customerLots(state).map((l) => l.expiresAt)).toEqual(['2028-02-01T23:00:00.000Z']);
      });
  });

  it('earns under v2 for new purchases, with v2 recorded on the decision', () => {
    spec
      .given(underV1)
      .when(purchase('p2', '2026-03-01T10:00:00.000Z', [line(1, 10000)]), at('2026-03-01T10:00:00.000Z', v2))
      .thenEvents((events) => {
        expect(ofType(events, 'PointsEarned')[0]).toMatchObject({ points: 200, programVersion: 'v2', expiresAt: '2027-03-01T23:00:00.000Z' });
        // Under v2's thresholds the 250 € spent reach Amateur.
        expect(ofType(events, 'TierChanged')[0]).toMatchObject({ to: 'amateur', programVersion: 'v2' });
      });
  });

  it('keeps the points of a v1 purchase when it is refunded under v2: what was earned is what is taken back', () => {
    spec
      .given(underV1)
      .when({ type: 'RefundPurchase', data: { purchaseId: 'p1', refundId: 'r1', refundedAt: '2026-03-01T10:00:00.000Z', storeId: 'store-1', reason: null } }, at('2026-03-01T10:00:00.000Z', v2))
      .thenEvents((events) => expect(ofType(events, 'PointsAdjusted')[0]?.points).toBe(-150));
  });
});
