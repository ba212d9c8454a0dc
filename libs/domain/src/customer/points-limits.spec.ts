import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import { parseEvent } from '../events/catalog.js';
import { LIMITS } from '../events/limits.js';
import { DomainError } from '../shared/errors.js';
import { customerDecider } from './customer.decide.js';
import type { CustomerStreamEvent } from './customer.state.js';
import { activeProgram, at, clubInput, clubWithoutAutoIssue, CUSTOMER, enrolledAt, line, purchase } from './customer.fixtures.js';

// Whatever the engine accepts, the decider turns into events the catalog accepts, or refuses with a
// business error: never an event beyond LIMITS (which the engine would answer with a 500).

const spec = deciderSpec(customerDecider);
const ENROLLED = '2026-01-10T10:00:00.000Z';
const NOW = '2026-02-01T15:00:00.000Z';

/** The most generous program the configuration allows: 1,000 points per euro, ×10 by category and by tier. */
const generous = activeProgram({
  ...clubInput,
  earn: { ...clubInput.earn, perEuro: 1000, categoryMultipliers: { champagne: 10 } },
  tiers: { ...clubInput.tiers, levels: [{ id: 'or', name: 'Or', minSpendCents: 0, earnMultiplier: 10 }] },
  rewards: [],
});

/** A customer who already holds `held` points (taken over from a merged duplicate). */
function holding(held: number): CustomerStreamEvent[] {
  return [
    ...enrolledAt(ENROLLED, clubWithoutAutoIssue),
    {
      type: 'CustomersMergedV2',
      data: {
        survivorId: CUSTOMER,
        mergedId: 'dup',
        role: 'survivor',
        currency: 'EUR',
        transferred: { lots: [{ lotId: 'purchase:old', remaining: held, earnedAt: ENROLLED, expiresAt: null }], debtPoints: 0, refundablePurchases: [], spend: [], rewards: [] },
        mergedAt: ENROLLED,
      },
    },
  ];
}

describe('points beyond the limits', () => {
  it('refuses a purchase that would earn more than one movement may hold', () => {
    spec
      .given(enrolledAt(ENROLLED, generous))
      .when(purchase('p1', NOW, [line(1, LIMITS.amountCents, { category: 'champagne' })]), at(NOW, generous))
      .thenThrows('points-limit-exceeded', { points: 1_000_000_000_000, limit: LIMITS.pointsPerMovement });
  });

  it('refuses earning that would take the points held past the balance limit', () => {
    spec
      .given(holding(LIMITS.balancePoints - 10))
      .when(purchase('p1', NOW, [line(1, 2000)]), at(NOW, clubWithoutAutoIssue))
      .thenThrows('points-limit-exceeded', { held: LIMITS.balancePoints - 10, points: 20, limit: LIMITS.balancePoints });
    spec
      .given(holding(LIMITS.balancePoints - 10))
      .when({ type: 'AdjustPoints', data: { adjustmentId: 'a1', points: 11, reason: 'manual', sourceId: null, note: null } }, at(NOW, clubWithoutAutoIssue))
      .thenThrows('points-limit-exceeded');
  });

  it('earns up to the limits exactly', () => {
    spec
      .given(holding(LIMITS.balancePoints - 20))
      .when(purchase('p1', NOW, [line(1, 2000)]), at(NOW, clubWithoutAutoIssue))
      .thenEvents((events) => expect(events.map((e) => e.type)).toEqual(['PurchaseRecorded', 'PointsEarned']));
  });

  it('decides only events the catalog accepts, for any purchase within the limits and any program rates', () => {
    const rate = (max: number) => fc.integer({ min: 1, max: max * 1000 }).map((n) => n / 1000);
    const lineWithin = fc.record({ quantity: fc.integer({ min: 1, max: LIMITS.quantityPerLine }), unit: fc.integer({ min: 0, max: LIMITS.amountCents }), champagne: fc.boolean() });
    fc.assert(
      fc.property(rate(1000), rate(10), rate(10), fc.array(lineWithin, { minLength: 1, maxLength: 5 }), (perEuro, category, tier, lines) => {
        const program = activeProgram({
          ...clubInput,
          earn: { ...clubInput.earn, perEuro, categoryMultipliers: { champagne: category } },
          tiers: { ...clubInput.tiers, levels: [{ id: 'or', name: 'Or', minSpendCents: 0, earnMultiplier: tier }] },
          rewards: [clubInput.rewards[0]!],
        });
        // Lines in file order until the purchase total reaches its limit.
        let budget = LIMITS.amountCents;
        const purchaseLines = lines.map((l, i) => {
          const quantity = Math.max(1, Math.min(l.quantity, budget));
          const unit = Math.min(l.unit, Math.floor(budget / quantity));
          budget -= quantity * unit;
          return line(i + 1, quantity * unit, { quantity, unitPriceCents: unit, category: l.champagne ? 'champagne' : null });
        });
        const state = enrolledAt(ENROLLED, program).reduce(customerDecider.evolve, customerDecider.initialState());
        let decided: CustomerStreamEvent[];
        try {
          decided = customerDecider.decide(purchase('p1', NOW, purchaseLines), state, at(NOW, program));
        } catch (error) {
          if (error instanceof DomainError && error.code === 'points-limit-exceeded') return;
          throw error;
        }
        for (const event of decided) expect(() => parseEvent(event.type, event.data)).not.toThrow();
      }),
      { numRuns: 200, seed: 16 },
    );
  });
});
