import type { PurchaseLine } from '../events/purchase.events.js';
import type { EarnRules, ItemEarningRule } from './program.schema.js';
import { floorDiv, toThousandths } from './thousandths.js';

export interface LineBasis {
  readonly lineNo: number;
  /** The line total times its category multiplier, 0 for a promo line the program excludes. */
  readonly basisCents: number;
  /** Points the line earned by the unit (count cards), 0 when no per-item rule counts it. */
  readonly itemPoints: number;
}

export interface PurchasePoints {
  readonly points: number;
  readonly lines: readonly LineBasis[];
  /** What support staff need to answer "why 37 points?"; also kept in PointsEarned.basis. */
  readonly basis: Record<string, number>;
}

/** The key of a line's basis in PointsEarned.basis, read back when the purchase is refunded. */
export const lineBasisKey = (lineNo: number): string => `line:${lineNo}`;
/** The key of a line's per-item points in PointsEarned.basis, read back when the purchase is refunded. */
export const lineItemPointsKey = (lineNo: number): string => `items:${lineNo}`;

const sameName = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The first per-item rule a line counts for, if any. */
export function itemRuleOf(earn: EarnRules, line: Pick<PurchaseLine, 'sku' | 'category'>): ItemEarningRule | null {
  for (const rule of earn.perItem ?? []) {
    if (rule.skus.some((sku) => sameName(sku, line.sku))) return rule;
    if (line.category !== null && rule.categories.some((category) => sameName(category, line.category!))) return rule;
  }
  return null;
}

/** Per-item points of a line: its units times the rule's points, none for a free or excluded promo line. */
export function linePointsByItem(earn: EarnRules, line: PurchaseLine): number {
  if (line.totalCents <= 0 || (line.promo && earn.promoLines === 'excluded')) return 0;
  const rule = itemRuleOf(earn, line);
  return rule ? rule.pointsPerUnit * line.quantity : 0;
}

export function categoryMultiplier(earn: EarnRules, category: string | null): number {
  if (category === null) return 1;
  const wanted = category.trim().toLowerCase();
  const entry = Object.entries(earn.categoryMultipliers).find(([name]) => name.trim().toLowerCase() === wanted);
  return entry ? entry[1] : 1;
}

/**
 * Points a ticket earns: ⌊Σ(eligible line total × category multiplier) × perEuro × tier multiplier / 100⌋,
 * plus perPurchase when the ticket reaches minimumPurchaseCents. Rounding is down, once, on the whole
 * ticket: lines are not rounded one by one, so splitting a ticket never earns more. The tier multiplier
 * is the one of the tier held before this purchase. Per-item points (count cards) are added as they
 * are: a unit is a unit, whatever the tier.
 */
export function pointsForPurchase(
  purchase: { readonly lines: readonly PurchaseLine[]; readonly totalCents: number },
  earn: EarnRules,
  tierMultiplier: number,
): PurchasePoints {
  let basisThousandths = 0n; // cents × 1000
  let eligibleCents = 0;
  let promoExcludedCents = 0;
  const lines: LineBasis[] = [];
  let itemPoints = 0;
  for (const line of purchase.lines) {
    const lineItemPoints = linePointsByItem(earn, line);
    itemPoints += lineItemPoints;
    if (line.promo && earn.promoLines === 'excluded') {
      promoExcludedCents += line.totalCents;
      lines.push({ lineNo: line.lineNo, basisCents: 0, itemPoints: lineItemPoints });
      continue;
    }
    const lineBasis = BigInt(line.totalCents) * toThousandths(categoryMultiplier(earn, line.category));
    eligibleCents += line.totalCents;
    basisThousandths += lineBasis;
    lines.push({ lineNo: line.lineNo, basisCents: Number(floorDiv(lineBasis, 1000n)), itemPoints: lineItemPoints });
  }
  const spendPoints = Number(
    floorDiv(basisThousandths * toThousandths(earn.perEuro) * toThousandths(tierMultiplier), 1000n * 1000n * 1000n * 100n),
  );
  // A free ticket (total 0) earns no flat points, whatever the minimum: nothing was bought.
  const flatPoints = purchase.totalCents > 0 && purchase.totalCents >= earn.minimumPurchaseCents ? earn.perPurchase : 0;
  const basis: Record<string, number> = {
    eligibleCents,
    promoExcludedCents,
    basisCents: Number(floorDiv(basisThousandths, 1000n)),
    perEuro: earn.perEuro,
    tierMultiplier,
    spendPoints,
    perPurchase: flatPoints,
  };
  for (const line of lines) basis[lineBasisKey(line.lineNo)] = line.basisCents;
  // Only when a rule counted something: the basis of programs without count cards stays as it was.
  if (itemPoints > 0) {
    basis.itemPoints = itemPoints;
    for (const line of lines) if (line.itemPoints > 0) basis[lineItemPointsKey(line.lineNo)] = line.itemPoints;
  }
  return { points: spendPoints + flatPoints + itemPoints, lines, basis };
}
