import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { customerDecider } from './customer.decide.js';
import { at, CUSTOMER, enrol, history, ofType } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const ENROLLED = '2026-01-10T10:00:00.000Z';

const visit = (visitId: string, visitedAt: string, kind: 'tasting' | 'store' = 'tasting'): CustomerCommandOf<'RecordVisit'> => ({
  type: 'RecordVisit',
  data: { visitId, storeId: 'store-1', kind, eventName: kind === 'tasting' ? 'Dégustation Loire' : null, visitedAt },
});

describe('an enrolled customer', () => {
  it('earns 5 points for a tasting, in a lot of its own', () => {
    const when = '2026-03-05T18:00:00.000Z';
    spec
      .given(history([enrol, at(ENROLLED)]))
      .when(visit('v1', when), at(when))
      .then([
        {
          type: 'VisitRecorded',
          data: { customerId: CUSTOMER, visitId: 'v1', storeId: 'store-1', kind: 'tasting', eventName: 'Dégustation Loire', visitedAt: when },
        },
        {
          type: 'PointsEarned',
          data: {
            customerId: CUSTOMER,
            lotId: 'visit:v1',
            points: 5,
            debtRepaid: 0,
            reason: 'visit',
            sourceId: 'v1',
            programVersion: 'v1',
            basis: { visitPoints: 5, earnedVisitsThatDay: 0, maxPerDay: 1 },
            earnedAt: when,
            expiresAt: '2028-03-05T23:00:00.000Z',
          },
        },
      ]);
  });

  it('earns nothing for a kind of visit the program does not reward', () => {
    spec
      .given(history([enrol, at(ENROLLED)]))
      .when(visit('v1', '2026-03-05T18:00:00.000Z', 'store'), at('2026-03-05T18:00:00.000Z'))
      .thenEvents((events) => expect(events.map((e) => e.type)).toEqual(['VisitRecorded']));
  });
});

describe('a customer who already earned from a tasting on 5 March (Paris)', () => {
  const first = '2026-03-05T08:00:00.000Z';
  const earned = history([enrol, at(ENROLLED)], [visit('v1', first), at(first)]);

  it('earns nothing for a second tasting the same local day', () => {
    // 23:30 UTC is still 5 March in winter? No: it is 00:30 on 6 March in Paris (UTC+1); 22:30 UTC is 23:30 on the 5th.
    spec
      .given(earned)
      .when(visit('v2', '2026-03-05T22:30:00.000Z'), at('2026-03-05T22:30:00.000Z'))
      .thenEvents((events) => expect(ofType(events, 'PointsEarned')).toEqual([]));
  });

  it('earns again for a tasting after local midnight, even on the same UTC day', () => {
    spec
      .given(earned)
      .when(visit('v2', '2026-03-05T23:30:00.000Z'), at('2026-03-05T23:30:00.000Z'))
      .thenEvents((events) => expect(ofType(events, 'PointsEarned').map((e) => e.points)).toEqual([5]));
  });

  it('refuses the same visit twice', () => {
    spec.given(earned).when(visit('v1', first), at(first)).thenThrows('visit-already-recorded', { visitId: 'v1' });
  });
});
