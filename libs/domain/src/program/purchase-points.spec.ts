import { describe, expect, it } from '@jest/globals';
import { club, line } from '../customer/customer.fixtures.js';
import { Program } from './program.schema.js';
import { pointsForPurchase } from './purchase-points.js';

const earn = club.definition.earn;
const ticket = (...lines: ReturnType<typeof line>[]) => ({ lines, totalCents: lines.reduce((s, l) => s + l.totalCents, 0) });
const earnWith = (overrides: object) =>
  Program.parse({ ...club.definition, earn: { ...club.definition.earn, ...overrides } }).earn;

describe('points for a ticket', () => {
  it('earns perEuro per euro of eligible spend, rounded down once for the whole ticket', () => {
    expect(pointsForPurchase(ticket(line(1, 1299)), earn, 1).points).toBe(12);
    // Two lines of 0.60 € earn 1 point together, where rounding each line would give 0.
    expect(pointsForPurchase(ticket(line(1, 60), line(2, 60)), earn, 1).points).toBe(1);
  });

  it('multiplies a line by its category multiplier, whatever the case of the category', () => {
    const result = pointsForPurchase(ticket(line(1, 3000, { category: 'Champagne' }), line(2, 1000, { category: 'spiritueux' })), earn, 1);
    expect(result.points).toBe(75);
    expect(result.basis).toMatchObject({ eligibleCents: 4000, basisCents: 7500, 'line:1': 6000, 'line:2': 1500 });
  });

  it('leaves promo lines out when promotions and points do not add up', () => {
    const result = pointsForPurchase(ticket(line(1, 2000, { promo: true }), line(2, 1500)), earn, 1);
    expect(result.points).toBe(15);
    expect(result.basis).toMatchObject({ eligibleCents: 1500, promoExcludedCents: 2000, 'line:1': 0 });
    expect(pointsForPurchase(ticket(line(1, 2000, { promo: true })), earnWith({ promoLines: 'included' }), 1).points).toBe(20);
  });

  it('computes decimal rates exactly (1.1 × 100 € is 110, not 109)', () => {
    expect(pointsForPurchase(ticket(line(1, 10000)), earnWith({ perEuro: 1.1 }), 1).points).toBe(110);
    expect(pointsForPurchase(ticket(line(1, 10000)), earnWith({ perEuro: 0.7 }), 1).points).toBe(70);
    expect(pointsForPurchase(ticket(line(1, 10000, { category: 'champagne' })), earnWith({ perEuro: 1.1 }), 1.15).points).toBe(253);
  });

  it('applies the tier earn multiplier to spend points only', () => {
    const rules = earnWith({ perPurchase: 10 });
    expect(pointsForPurchase(ticket(line(1, 10000)), rules, 1.25).points).toBe(125 + 10);
  });

  it('adds perPurchase only to tickets that reach the minimum', () => {
    const rules = earnWith({ perEuro: 0, perPurchase: 10, minimumPurchaseCents: 2000 });
    expect(pointsForPurchase(ticket(line(1, 1999)), rules, 1).points).toBe(0);
    expect(pointsForPurchase(ticket(line(1, 2000)), rules, 1).points).toBe(10);
    expect(pointsForPurchase(ticket(line(1, 0)), earnWith({ perPurchase: 10 }), 1).points).toBe(0);
  });

  it('stays exact on the largest tickets', () => {
    const big = ticket(line(1, 1_000_000_000, { category: 'champagne' }));
    expect(pointsForPurchase(big, earnWith({ perEuro: 999.999 }), 10).points).toBe(199_999_800_000);
  });
});
