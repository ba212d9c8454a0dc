import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance } from './customer.summary.js';
import { rewardsOf } from './reward-book.js';
import { at, clubWithoutAutoIssue, CUSTOMER, enrol, history, line, ofType, purchase } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const ENROLLED = '2026-01-10T10:00:00.000Z';
const SOLD = '2026-02-01T15:00:00.000Z';
const redeem = (redemptionId: string, rewardCode: string) => ({ type: 'RedeemReward', data: { redemptionId, rewardCode } }) as const;

describe('a Découverte customer in the club with the automatic 10 € voucher', () => {
  it('is issued one voucher per 200 points as soon as a purchase brings the balance there', () => {
    spec
      .given(history([enrol, at(ENROLLED)]))
      .when(purchase('p1', SOLD, [line(1, 45000)]), at(SOLD))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual([
          'PurchaseRecorded',
          'PointsEarned',
          'TierChanged',
          'PointsRedeemed',
          'RewardIssued',
          'PointsRedeemed',
          'RewardIssued',
        ]);
        expect(ofType(events, 'PointsRedeemed')).toEqual([
          { customerId: CUSTOMER, redemptionId: 'p1-auto-1', points: 200, rewardCode: 'bon-10', rewardId: 'p1-auto-1', lots: [{ lotId: 'purchase:p1', points: 200 }], redeemedAt: SOLD },
          { customerId: CUSTOMER, redemptionId: 'p1-auto-2', points: 200, rewardCode: 'bon-10', rewardId: 'p1-auto-2', lots: [{ lotId: 'purchase:p1', points: 200 }], redeemedAt: SOLD },
        ]);
        expect(ofType(events, 'RewardIssued')[0]).toEqual({
          customerId: CUSTOMER,
          rewardId: 'p1-auto-1',
          rewardCode: 'bon-10',
          name: "Bon d'achat de 10 €",
          kind: 'voucher',
          currency: 'EUR',
          valueCents: 1000,
          pointsCost: 200,
          trigger: 'automatic',
          programVersion: 'v1',
          issuedAt: SOLD,
          // Valid 90 days: through 2 May 2026 in Paris.
          expiresAt: '2026-05-02T22:00:00.000Z',
        });
      });
    spec
      .given(history([enrol, at(ENROLLED)]))
      .when(purchase('p1', SOLD, [line(1, 45000)]), at(SOLD))
      .thenState((state) => expect(customerBalance(state)).toBe(50));
  });

  it('is issued nothing while the balance stays under 200', () => {
    spec
      .given(history([enrol, at(ENROLLED)]))
      .when(purchase('p1', SOLD, [line(1, 19999)]), at(SOLD))
      .thenEvents((events) => expect(ofType(events, 'RewardIssued')).toEqual([]));
  });

  it('can use an issued voucher on a later ticket, once', () => {
    const events = history([enrol, at(ENROLLED)], [purchase('p1', SOLD, [line(1, 20000)]), at(SOLD)]);
    const next = purchase('p2', '2026-02-10T10:00:00.000Z', [line(1, 5000)], { rewardIdsUsed: ['p1-auto-1'] });
    spec
      .given(events)
      .when(next, at('2026-02-10T10:00:00.000Z'))
      .thenEvents((decided) =>
        expect(ofType(decided, 'RewardRedeemed')).toEqual([{ customerId: CUSTOMER, rewardId: 'p1-auto-1', purchaseId: 'p2', redeemedAt: '2026-02-10T10:00:00.000Z' }]),
      );
    spec
      .given(history([enrol, at(ENROLLED)], [purchase('p1', SOLD, [line(1, 20000)]), at(SOLD)], [next, at('2026-02-10T10:00:00.000Z')]))
      .when(purchase('p3', '2026-02-11T10:00:00.000Z', [line(1, 5000)], { rewardIdsUsed: ['p1-auto-1'] }), at('2026-02-11T10:00:00.000Z'))
      .thenThrows('reward-not-usable', { rewardId: 'p1-auto-1', reason: 'already-used' });
  });

  it('cannot use a voucher after it expired', () => {
    spec
      .given(history([enrol, at(ENROLLED)], [purchase('p1', SOLD, [line(1, 20000)]), at(SOLD)]))
      .when(purchase('p2', '2026-05-02T22:00:00.000Z', [line(1, 5000)], { rewardIdsUsed: ['p1-auto-1'] }), at('2026-05-02T22:00:00.000Z'))
      .thenThrows('reward-not-usable', { reason: 'expired' });
  });
});

describe('a customer with 950 points in Amateur', () => {
  const p = clubWithoutAutoIssue;
  const events = history([enrol, at(ENROLLED, p)], [purchase('p1', SOLD, [line(1, 76000)]), at(SOLD, p)]);
  const NOW = '2026-02-05T10:00:00.000Z';

  it('redeems points for a reward it chose', () => {
    spec
      .given(events)
      .when(redeem('red-1', 'bon-10'), at(NOW, p))
      .then([
        {
          type: 'PointsRedeemed',
          data: { customerId: CUSTOMER, redemptionId: 'red-1', points: 200, rewardCode: 'bon-10', rewardId: 'red-1', lots: [{ lotId: 'purchase:p1', points: 200 }], redeemedAt: NOW },
        },
        {
          type: 'RewardIssued',
          data: {
            customerId: CUSTOMER,
            rewardId: 'red-1',
            rewardCode: 'bon-10',
            name: "Bon d'achat de 10 €",
            kind: 'voucher',
            currency: 'EUR',
            valueCents: 1000,
            pointsCost: 200,
            trigger: 'redemption',
            programVersion: 'v1',
            issuedAt: NOW,
            // 5 February + 90 days = 6 May: good through that day in Paris.
            expiresAt: '2026-05-06T22:00:00.000Z',
          },
        },
      ]);
  });

  it('cannot take the Magnum reserved to Connaisseurs', () => {
    spec.given(events).when(redeem('red-1', 'magnum-offert'), at(NOW, p)).thenThrows('reward-not-usable', { reason: 'tier-too-low', requiredTier: 'connaisseur', tier: 'amateur' });
  });

  it('cannot redeem a reward the program does not have', () => {
    spec.given(events).when(redeem('red-1', 'croisiere'), at(NOW, p)).thenThrows('unknown-reward', { rewardCode: 'croisiere' });
  });

  it('cannot reuse a redemption id', () => {
    const redeemed = history([enrol, at(ENROLLED, p)], [purchase('p1', SOLD, [line(1, 76000)]), at(SOLD, p)], [redeem('red-1', 'bon-10'), at(NOW, p)]);
    spec.given(redeemed).when(redeem('red-1', 'bon-10'), at(NOW, p)).thenThrows('redemption-already-recorded', { redemptionId: 'red-1' });
  });
});

describe('a customer with 150 points', () => {
  it('cannot redeem a 200-point reward, and is told the balance and the cost', () => {
    const p = clubWithoutAutoIssue;
    spec
      .given(history([enrol, at(ENROLLED, p)], [purchase('p1', SOLD, [line(1, 15000)]), at(SOLD, p)]))
      .when(redeem('red-1', 'bon-10'), at(SOLD, p))
      .thenThrows('insufficient-points', { balance: 150, required: 200 });
  });
});

describe('a Connaisseur with 1,500 points', () => {
  it('redeems the Magnum', () => {
    const p = clubWithoutAutoIssue;
    spec
      .given(history([enrol, at(ENROLLED, p)], [purchase('p1', SOLD, [line(1, 100000)]), at(SOLD, p)]))
      .when(redeem('red-1', 'magnum-offert'), at(SOLD, p))
      .thenState((state) => {
        expect(customerBalance(state)).toBe(1000 - 900);
        expect(state.status === 'active' && rewardsOf(state.rewards).map((r) => r.rewardCode)).toEqual(['magnum-offert']);
      });
  });
});
