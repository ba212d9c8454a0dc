import { describe, expect, it } from '@jest/globals';
import { SalesIndex, type SoldLine } from './sales-index.js';

const sold = (purchaseId: string, lineNo: number, sku: string, price: number, quantity: number, at: number): SoldLine => ({
  purchaseId,
  lineNo,
  sku,
  unitPriceMinor: price,
  at,
  left: quantity,
});

describe('what a return takes back', () => {
  const index = () => {
    const sales = new SalesIndex();
    const alice = SalesIndex.owner('alice', 'halles');
    sales.add('T1', alice, [sold('T1', 1, 'TEA', 450, 2, 1), sold('T1', 2, 'MUG', 725, 1, 1)]);
    sales.add('T2', alice, [sold('T2', 1, 'TEA', 450, 1, 5)]);
    sales.add('T3', SalesIndex.owner(undefined, 'halles'), [sold('T3', 1, 'TEA', 450, 3, 6)]);
    return { sales, alice };
  };

  it('names its ticket: that ticket’s lines of the SKU and price, in line order', () => {
    const { sales } = index();
    const [m] = sales.match([{ sku: 'TEA', unitPriceMinor: 450, quantity: 2 }], { ticket: 'T1' });
    expect(m!.taken.map((t) => [t.line.purchaseId, t.line.lineNo, t.quantity])).toEqual([['T1', 1, 2]]);
    expect(m!.missing).toBe(0);
  });

  it('names nothing: the buyer’s latest sale of the SKU and price dated no later, then earlier ones', () => {
    const { sales, alice } = index();
    const [m] = sales.match([{ sku: 'TEA', unitPriceMinor: 450, quantity: 2 }], { owner: alice, before: 10 });
    expect(m!.taken.map((t) => [t.line.purchaseId, t.quantity])).toEqual([['T2', 1], ['T1', 1]]);
    // Before T2 was sold, only T1 can be taken back; another price matches nothing.
    expect(sales.match([{ sku: 'TEA', unitPriceMinor: 450, quantity: 1 }], { owner: alice, before: 4 })[0]!.taken[0]!.line.purchaseId).toBe('T1');
    expect(sales.match([{ sku: 'TEA', unitPriceMinor: 460, quantity: 1 }], { owner: alice, before: 10 })[0]).toEqual({ taken: [], missing: 1 });
  });

  it('keeps anonymous sales to their store, and counts what was taken once committed only', () => {
    const { sales } = index();
    const anonymous = SalesIndex.owner(undefined, 'halles');
    expect(sales.match([{ sku: 'TEA', unitPriceMinor: 450, quantity: 3 }], { owner: SalesIndex.owner(undefined, 'croix-rousse'), before: 10 })[0]!.missing).toBe(3);
    const first = sales.match([{ sku: 'TEA', unitPriceMinor: 450, quantity: 2 }], { owner: anonymous, before: 10 });
    expect(sales.match([{ sku: 'TEA', unitPriceMinor: 450, quantity: 3 }], { owner: anonymous, before: 10 })[0]!.missing).toBe(0);
    sales.commit(first);
    expect(sales.match([{ sku: 'TEA', unitPriceMinor: 450, quantity: 3 }], { owner: anonymous, before: 10 })[0]!.missing).toBe(2);
  });

  it('never takes the same units twice within one return', () => {
    const { sales } = index();
    const matches = sales.match(
      [
        { sku: 'MUG', unitPriceMinor: 725, quantity: 1 },
        { sku: 'MUG', unitPriceMinor: 725, quantity: 1 },
      ],
      { ticket: 'T1' },
    );
    expect(matches.map((m) => m.missing)).toEqual([0, 1]);
  });
});
