import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance } from './customer.summary.js';
import { at, CUSTOMER, enrol, history, line, ofType, purchase } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const ENROLLED = '2026-01-10T10:00:00.000Z';
const NOW = '2026-03-20T10:00:00.000Z';
const bonus = (bonusId: string, points: number, reason: 'bonus' | 'challenge' = 'bonus'): CustomerCommandOf<'GrantBonusPoints'> => ({
  type: 'GrantBonusPoints',
  data: { bonusId, points, reason, sourceId: 'defi-decembre' },
});

describe('a customer with 150 points in the club with the automatic 10 € voucher at 200', () => {
  const given = history([enrol, at(ENROLLED)], [purchase('p1', '2026-02-01T10:00:00.000Z', [line(1, 15000)]), at('2026-02-01T10:00:00.000Z')]);

  it('earns a campaign bonus in a lot of its own, expiring like earned points, and the automatic reward follows', () => {
    spec
      .given(given)
      .when(bonus('bonus-abc', 100, 'challenge'), at(NOW))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['PointsEarned', 'PointsRedeemed', 'RewardIssued']);
        expect(ofType(events, 'PointsEarned')).toEqual([
          {
            customerId: CUSTOMER,
            lotId: 'bonus:bonus-abc',
            points: 100,
            debtRepaid: 0,
            reason: 'challenge',
            sourceId: 'defi-decembre',
            programVersion: 'v1',
            basis: { challenge: 100 },
            earnedAt: NOW,
            // 24 months: usable through 20 March 2028, in Paris.
            expiresAt: '2028-03-20T23:00:00.000Z',
          },
        ]);
        expect(ofType(events, 'RewardIssued')[0]).toMatchObject({ rewardCode: 'bon-10', trigger: 'automatic', rewardId: 'bonus-abc-auto-1' });
      });
    spec.given(given).when(bonus('bonus-abc', 100), at(NOW)).thenState((state) => expect(customerBalance(state)).toBe(50));
  });
});
