import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import { parseProgram, type ProgramInput } from '../program/program.schema.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance } from './customer.summary.js';
import { activeProgram, at, enrol, history, line, ofType, purchase } from './customer.fixtures.js';
import { rewardsOf } from './reward-book.js';

// "5 bottles bought, the 6th free": each bottle of wine earns 1 point, and the reward "bouteille
// offerte" (5 points) is issued by itself as soon as the balance covers it. Euros earn nothing.
const cardInput = {
  name: 'Carte bouteilles',
  earn: { perEuro: 0, perItem: [{ id: 'bouteilles', categories: ['Vin'], skus: ['CHAMP-BRUT'], pointsPerUnit: 1 }] },
  tiers: { windowMonths: 12, guaranteeMonths: 0, downgrade: 'to-qualifying', levels: [{ id: 'membre', name: 'Membre', minSpendCents: 0 }] },
  rewards: [{ id: 'bouteille-offerte', name: '6e bouteille offerte', kind: 'product', costPoints: 5, autoIssue: true, validityDays: 180 }],
  expiry: null,
} satisfies ProgramInput;
const card = activeProgram(cardInput);

const spec = deciderSpec(customerDecider);
const ENROLLED = '2026-01-05T10:00:00.000Z';
const day = (d: number) => `2026-02-${String(d).padStart(2, '0')}T16:00:00.000Z`;
const wine = (lineNo: number, quantity: number, extra = {}) => line(lineNo, quantity * 1500, { quantity, unitPriceCents: 1500, category: 'vin', ...extra });
const cheese = (lineNo: number) => line(lineNo, 900, { category: 'fromage' });
const refund = (refundId: string, purchaseId: string, lines: { lineNo: number; quantity: number }[], d: number): CustomerCommandOf<'RefundPurchase'> => ({
  type: 'RefundPurchase',
  data: { purchaseId, refundId, refundedAt: day(d), storeId: 'store-1', reason: null, lines },
});
const enrolled: [CustomerCommandOf<'EnrolCustomer'>, ReturnType<typeof at>] = [enrol, at(ENROLLED, card)];

describe('a count card in program.yaml', () => {
  it('needs skus or categories, and rule ids of its own', () => {
    const result = parseProgram({
      ...cardInput,
      earn: { perEuro: 0, perItem: [{ id: 'a', pointsPerUnit: 1 }, { id: 'b', skus: ['X'], pointsPerUnit: 1 }, { id: 'b', categories: ['vin'], pointsPerUnit: 2 }] },
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues.map((i) => i.path)).toEqual(expect.arrayContaining([['earn', 'perItem', 0], ['earn', 'perItem', 2, 'id']]));
  });

  it('leaves the version of a program without count cards as it was (no default filled in)', () => {
    const parsed = parseProgram({ ...cardInput, earn: { perEuro: 1 } });
    expect(parsed.success && 'perItem' in parsed.program.earn).toBe(false);
  });
});

describe('a customer with no bottle on the card', () => {
  it('earns one point per bottle of a matching category or SKU, whatever the price, and nothing for other lines', () => {
    spec
      .given(history(enrolled))
      .when(purchase('p1', day(1), [wine(1, 2), cheese(2), line(3, 3200, { sku: 'champ-brut', category: 'champagne' })]), at(day(1), card))
      .thenEvents((events) => {
        const [earned] = ofType(events, 'PointsEarned');
        expect(earned).toMatchObject({ points: 3, basis: { itemPoints: 3, 'items:1': 2, 'items:3': 1, spendPoints: 0 } });
        expect(earned!.basis['items:2']).toBeUndefined();
      });
  });

  it('counts neither a bottle given away (line total 0) nor a promo bottle when promotions earn nothing', () => {
    spec
      .given(history(enrolled))
      .when(purchase('p1', day(1), [wine(1, 1, { unitPriceCents: 1500, discountCents: 1500, totalCents: 0 }), wine(2, 1, { promo: true }), wine(3, 1)]), at(day(1), card))
      .thenEvents((events) => expect(ofType(events, 'PointsEarned')[0]).toMatchObject({ points: 1 }));
  });
});

describe('a customer with 4 bottles on the card, over two tickets', () => {
  const four = history(enrolled, [purchase('p1', day(1), [wine(1, 3), cheese(2)]), at(day(1), card)], [purchase('p2', day(3), [wine(1, 1)]), at(day(3), card)]);

  it('gets the free bottle issued when buying the fifth', () => {
    spec
      .given(four)
      .when(purchase('p3', day(5), [wine(1, 1)]), at(day(5), card))
      .thenEvents((events) => {
        expect(ofType(events, 'RewardIssued')).toEqual([expect.objectContaining({ rewardCode: 'bouteille-offerte', pointsCost: 5, trigger: 'automatic' })]);
        expect(ofType(events, 'PointsRedeemed')[0]).toMatchObject({ points: 5 });
      });
  });

  it('takes a returned bottle off the card: the fifth bottle bought then issues nothing', () => {
    const afterRefund = history(
      enrolled,
      [purchase('p1', day(1), [wine(1, 3), cheese(2)]), at(day(1), card)],
      [purchase('p2', day(3), [wine(1, 1)]), at(day(3), card)],
      [refund('r1', 'p1', [{ lineNo: 1, quantity: 1 }], 4), at(day(4), card)],
    );
    expect(ofType(afterRefund, 'PointsAdjusted')).toEqual([expect.objectContaining({ points: -1, reason: 'refund', sourceId: 'p1' })]);
    spec
      .given(afterRefund)
      .when(purchase('p3', day(5), [wine(1, 1)]), at(day(5), card))
      .thenEvents((events) => expect(ofType(events, 'RewardIssued')).toEqual([]));
    spec
      .given(afterRefund)
      .when(purchase('p3', day(5), [wine(1, 1)]), at(day(5), card))
      .thenState((state) => expect(customerBalance(state)).toBe(4));
  });

  it('owes a bottle when one counted towards a free bottle already issued is returned, and pays it with the next', () => {
    const issued = history(
      enrolled,
      [purchase('p1', day(1), [wine(1, 3)]), at(day(1), card)],
      [purchase('p2', day(3), [wine(1, 2)]), at(day(3), card)],
      [refund('r1', 'p2', [{ lineNo: 1, quantity: 1 }], 4), at(day(4), card)],
    );
    expect(ofType(issued, 'PointsAdjusted')).toEqual([expect.objectContaining({ points: -1, debtPoints: 1 })]);
    spec
      .given(issued)
      .when(purchase('p3', day(6), [wine(1, 1)]), at(day(6), card))
      .thenEvents((events) => expect(ofType(events, 'PointsEarned')[0]).toMatchObject({ points: 1, debtRepaid: 1 }));
  });
});

describe('a customer holding the free bottle', () => {
  const holding = history(enrolled, [purchase('p1', day(1), [wine(1, 5)]), at(day(1), card)]);
  const rewardId = ofType(holding, 'RewardIssued')[0]!.rewardId;

  it('gets the sixth bottle free: the ticket uses the reward, the bottle rings at 0 and starts no new count', () => {
    spec
      .given(holding)
      .when(purchase('p2', day(2), [wine(1, 1, { discountCents: 1500, totalCents: 0 })], { rewardIdsUsed: [rewardId] }), at(day(2), card))
      .thenEvents((events) => {
        expect(ofType(events, 'RewardRedeemed')).toEqual([expect.objectContaining({ rewardId, purchaseId: 'p2' })]);
        expect(ofType(events, 'PointsEarned')).toEqual([]);
      });
    spec
      .given(holding)
      .when(purchase('p2', day(2), [wine(1, 1, { discountCents: 1500, totalCents: 0 })], { rewardIdsUsed: [rewardId] }), at(day(2), card))
      .thenState((state) => {
        expect(customerBalance(state)).toBe(0);
        expect(state.status === 'active' && rewardsOf(state.rewards).map((r) => r.status)).toEqual(['redeemed']);
      });
  });

  it('gives a whole refund of the five bottles back as a debt of five', () => {
    spec
      .given(holding)
      .when(refund('r1', 'p1', [{ lineNo: 1, quantity: 5 }], 3), at(day(3), card))
      .thenEvents((events) => expect(ofType(events, 'PointsAdjusted')).toEqual([expect.objectContaining({ points: -5, debtPoints: 5 })]));
  });
});

describe('a ticket earning both euros and bottles', () => {
  const mixed = activeProgram({ ...cardInput, earn: { ...cardInput.earn, perEuro: 1 } });
  const bought = history([enrol, at(ENROLLED, mixed)], [purchase('p1', day(1), [wine(1, 4), cheese(2)]), at(day(1), mixed)]);

  it('earns the euros under the usual rule and the bottles on top', () => {
    // 60 € of wine + 9 € of cheese = 69 points, plus 4 bottles.
    expect(ofType(bought, 'PointsEarned')[0]).toMatchObject({ points: 73, basis: { spendPoints: 69, itemPoints: 4 } });
  });

  it('takes back, for one bottle returned, that bottle and its euros', () => {
    spec
      .given(bought)
      .when(refund('r1', 'p1', [{ lineNo: 1, quantity: 1 }], 2), at(day(2), mixed))
      .thenEvents((events) => expect(ofType(events, 'PointsAdjusted')[0]).toMatchObject({ points: -16 }));
  });
});
