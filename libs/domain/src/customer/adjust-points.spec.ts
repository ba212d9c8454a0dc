import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance } from './customer.summary.js';
import { at, clubWithoutAutoIssue as program, CUSTOMER, enrol, history, line, purchase } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const NOW = '2026-03-01T10:00:00.000Z';
const adjust = (adjustmentId: string, points: number): CustomerCommandOf<'AdjustPoints'> => ({
  type: 'AdjustPoints',
  data: { adjustmentId, points, reason: 'manual', sourceId: 'ticket-42', note: 'geste commercial' },
});
const withPoints = history([enrol, at('2026-01-10T10:00:00.000Z', program)], [purchase('p1', '2026-02-01T10:00:00.000Z', [line(1, 5000)]), at('2026-02-01T10:00:00.000Z', program)]);

describe('a customer with 50 points', () => {
  it('is given points by support in a lot that expires like earned points', () => {
    spec
      .given(withPoints)
      .when(adjust('adj-1', 30), at(NOW, program))
      .then([
        {
          type: 'PointsAdjusted',
          data: {
            customerId: CUSTOMER,
            adjustmentId: 'adj-1',
            points: 30,
            reason: 'manual',
            sourceId: 'ticket-42',
            lots: [],
            debtPoints: 0,
            lotId: 'adjustment:adj-1',
            expiresAt: '2028-03-01T23:00:00.000Z',
            note: 'geste commercial',
            adjustedAt: NOW,
          },
        },
      ]);
  });

  it('has points taken away by support, the excess as debt', () => {
    spec
      .given(withPoints)
      .when(adjust('adj-1', -80), at(NOW, program))
      .thenEvents((events) => expect(events[0]).toMatchObject({ data: { points: -80, lots: [{ lotId: 'purchase:p1', points: 50 }], debtPoints: 30 } }));
    spec.given(withPoints).when(adjust('adj-1', -80), at(NOW, program)).thenState((state) => expect(customerBalance(state)).toBe(-30));
  });

  it('refuses the same adjustment twice', () => {
    const adjusted = history([enrol, at('2026-01-10T10:00:00.000Z', program)], [adjust('adj-1', 10), at(NOW, program)]);
    spec.given(adjusted).when(adjust('adj-1', 10), at(NOW, program)).thenThrows('adjustment-already-recorded', { adjustmentId: 'adj-1' });
  });
});
