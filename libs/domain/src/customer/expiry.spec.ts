import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance } from './customer.summary.js';
import { activeProgram, at, clubInput, clubWithoutAutoIssue as program, CUSTOMER, enrol, history, line, ofType, purchase } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const review = { type: 'ReviewCustomer', data: {} } as const;

/** 50 points earned on 15 January 2026 (expire at 00:00 on 16 January 2028, Paris) and 180 on 20 May 2026. */
const twoLots = history(
  [enrol, at('2026-01-10T10:00:00.000Z', program)],
  [purchase('p1', '2026-01-15T10:00:00.000Z', [line(1, 5000)]), at('2026-01-15T10:00:00.000Z', program)],
  [purchase('p2', '2026-05-20T10:00:00.000Z', [line(1, 18000)]), at('2026-05-20T10:00:00.000Z', program)],
);

describe('a customer with two lots of points', () => {
  it('was given expiry dates 24 months and one day after each local earning date', () => {
    expect(ofType(twoLots, 'PointsEarned').map((e) => [e.lotId, e.expiresAt])).toEqual([
      ['purchase:p1', '2028-01-15T23:00:00.000Z'],
      ['purchase:p2', '2028-05-20T22:00:00.000Z'],
    ]);
  });

  it('spends the lot that expires first first', () => {
    spec
      .given(twoLots)
      .when({ type: 'RedeemReward', data: { redemptionId: 'red-1', rewardCode: 'bon-10' } }, at('2026-06-01T10:00:00.000Z', program))
      .thenEvents((events) =>
        expect(ofType(events, 'PointsRedeemed')[0]?.lots).toEqual([
          { lotId: 'purchase:p1', points: 50 },
          { lotId: 'purchase:p2', points: 150 },
        ]),
      );
  });

  it('loses nothing the day before the first lot expires', () => {
    spec.given(twoLots).when(review, at('2028-01-15T22:59:59.000Z', program)).thenNothingHappened();
  });

  it('has the first lot expired by the sweep at its expiry time', () => {
    spec
      .given(twoLots)
      .when(review, at('2028-01-15T23:00:00.000Z', program))
      .thenEvents((events) =>
        expect(events.filter((e) => e.type === 'PointsExpired')).toEqual([
          { type: 'PointsExpired', data: { customerId: CUSTOMER, lotId: 'purchase:p1', points: 50, expiredAt: '2028-01-15T23:00:00.000Z' } },
        ]),
      );
  });

  it('has due points expired at the start of any decision, before the balance is checked', () => {
    // On 1 June 2028 both lots (230 points) are gone: the 200-point reward is refused.
    spec
      .given(twoLots)
      .when({ type: 'RedeemReward', data: { redemptionId: 'red-1', rewardCode: 'bon-10' } }, at('2028-06-01T10:00:00.000Z', program))
      .thenThrows('insufficient-points', { balance: 0, required: 200 });
    spec
      .given(twoLots)
      .when(purchase('p3', '2028-06-01T10:00:00.000Z', [line(1, 1000)]), at('2028-06-01T10:00:00.000Z', program))
      .thenEvents((events) => expect(events.map((e) => e.type).slice(0, 3)).toEqual(['PointsExpired', 'PointsExpired', 'PurchaseRecorded']));
  });

  it('keeps the points of the remaining lot after a partial expiry', () => {
    spec.given(twoLots).when(review, at('2028-02-01T10:00:00.000Z', program)).thenState((state) => expect(customerBalance(state)).toBe(180));
  });
});

describe('a program whose points never expire', () => {
  it('earns lots without expiry date, and a sweep never expires them', () => {
    const forever = activeProgram({ ...clubInput, rewards: [], expiry: null });
    const events = history(
      [enrol, at('2026-01-10T10:00:00.000Z', forever)],
      [purchase('p1', '2026-01-15T10:00:00.000Z', [line(1, 5000)]), at('2026-01-15T10:00:00.000Z', forever)],
    );
    expect(ofType(events, 'PointsEarned')[0]?.expiresAt).toBeNull();
    spec.given(events).when(review, at('2040-01-01T00:00:00.000Z', forever)).thenEvents((decided) => expect(ofType(decided, 'PointsExpired')).toEqual([]));
  });
});

describe('a ticket imported long after the sale', () => {
  it('earns a lot that expires from the sale date, expired within the same decision if already due', () => {
    spec
      .given(history([enrol, at('2026-01-10T10:00:00.000Z', program)]))
      .when(purchase('old', '2023-03-01T10:00:00.000Z', [line(1, 5000)]), at('2026-01-12T10:00:00.000Z', program))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['PurchaseRecorded', 'PointsEarned', 'PointsExpired']);
        expect(ofType(events, 'PointsExpired')[0]).toMatchObject({ lotId: 'purchase:old', points: 50, expiredAt: '2025-03-01T23:00:00.000Z' });
      });
  });
});
