import { describe, expect, it } from '@jest/globals';
import type { PointsLot } from '../events/loyalty-state.js';
import { addLot, debitLots, EMPTY_LOTS, lotBookOf, lotsDueToExpire, lotsOf, planDebit, pointsBalance } from './points-lots.js';

const lot = (lotId: string, remaining: number, earnedAt: string, expiresAt: string | null): PointsLot => ({
  lotId,
  remaining,
  earnedAt,
  expiresAt,
});

const lots = lotBookOf([
  lot('never', 50, '2026-01-01T10:00:00Z', null),
  lot('late', 30, '2026-01-01T10:00:00Z', '2028-06-01T22:00:00.000Z'),
  lot('early', 20, '2026-02-01T10:00:00Z', '2027-01-01T23:00:00.000Z'),
  lot('empty', 0, '2025-01-01T10:00:00Z', '2026-01-01T23:00:00.000Z'),
]);

describe('debiting lots', () => {
  it('burns the first to expire first and never-expiring points last', () => {
    expect(planDebit(lots, 60)).toEqual({
      debits: [
        { lotId: 'early', points: 20 },
        { lotId: 'late', points: 30 },
        { lotId: 'never', points: 10 },
      ],
      shortfall: 0,
    });
  });

  it('takes from a named lot first (a refund takes back its own lot)', () => {
    expect(planDebit(lots, 40, 'never').debits).toEqual([
      { lotId: 'never', points: 40 },
    ]);
  });

  it('reports what the lots cannot cover', () => {
    expect(planDebit(lots, 130).shortfall).toBe(30);
  });

  it('orders lots expiring together by earning date', () => {
    const twins = lotBookOf([lot('b', 5, '2026-03-02T10:00:00Z', '2027-01-01T23:00:00Z'), lot('a', 5, '2026-03-01T10:00:00Z', '2027-01-01T23:00:00.000Z')]);
    expect(planDebit(twins, 6).debits).toEqual([
      { lotId: 'a', points: 5 },
      { lotId: 'b', points: 1 },
    ]);
  });
});

describe('lots due to expire', () => {
  it('are those with points left whose expiry is at or before now', () => {
    expect(lotsDueToExpire(lots, '2027-01-01T23:00:00Z').map((l) => l.lotId)).toEqual(['early']);
    expect(lotsDueToExpire(lots, '2027-01-01T22:59:59Z')).toEqual([]);
  });
});

describe('the balance', () => {
  it('is what the lots hold minus the debt', () => {
    expect(pointsBalance(lots, 0)).toBe(100);
    expect(pointsBalance(EMPTY_LOTS, 25)).toBe(-25);
  });
});

describe('the book of lots', () => {
  it('keeps only lots with points, in burn order, and drops a lot once debited to nothing', () => {
    expect(lotsOf(lots).map((l) => l.lotId)).toEqual(['early', 'late', 'never']);
    const after = debitLots(lots, [{ lotId: 'early', points: 20 }, { lotId: 'late', points: 5 }, { lotId: 'unknown', points: 3 }]);
    expect(lotsOf(after).map((l) => [l.lotId, l.remaining])).toEqual([['late', 25], ['never', 50]]);
    expect(pointsBalance(after, 0)).toBe(75);
    expect(lotsOf(lots).map((l) => l.remaining)).toEqual([20, 30, 50]);
  });

  it('puts the points of a lot id it already holds together (a merge bringing a lot of the same id)', () => {
    const twice = addLot(lots, lot('late', 7, '2026-05-01T10:00:00Z', '2029-01-01T23:00:00Z'));
    expect(lotsOf(twice).find((l) => l.lotId === 'late')).toMatchObject({ remaining: 37, expiresAt: '2028-06-01T22:00:00.000Z' });
    expect(pointsBalance(twice, 0)).toBe(107);
    expect(lotsOf(debitLots(twice, [{ lotId: 'late', points: 37 }])).map((l) => l.lotId)).toEqual(['early', 'never']);
  });
});
