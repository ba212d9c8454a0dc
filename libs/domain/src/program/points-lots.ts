import type { LotDebit, PointsLot } from '../events/loyalty-state.js';
import { compareInstants, isAtOrBefore } from '../shared/instants.js';

/** Burn order: first to expire first, never-expiring last, then oldest first (lot id breaks ties). */
export function burnOrder(lots: readonly PointsLot[]): PointsLot[] {
  return [...lots].sort((a, b) => {
    if (a.expiresAt !== b.expiresAt) {
      if (a.expiresAt === null) return 1;
      if (b.expiresAt === null) return -1;
      const byExpiry = compareInstants(a.expiresAt, b.expiresAt);
      if (byExpiry !== 0) return byExpiry;
    }
    return compareInstants(a.earnedAt, b.earnedAt) || (a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0);
  });
}

export interface LotDebitPlan {
  readonly debits: LotDebit[];
  /** What the lots could not cover: it becomes debt when it may (a clawback), a refusal otherwise. */
  readonly shortfall: number;
}

/** Debits `points` from the lots in burn order, starting with `firstLotId` when given (a refund takes back its own lot first). */
export function planDebit(lots: readonly PointsLot[], points: number, firstLotId: string | null = null): LotDebitPlan {
  const ordered = burnOrder(lots.filter((lot) => lot.remaining > 0));
  const own = ordered.findIndex((lot) => lot.lotId === firstLotId);
  if (own > 0) ordered.unshift(...ordered.splice(own, 1));
  const debits: LotDebit[] = [];
  let left = points;
  for (const lot of ordered) {
    if (left === 0) break;
    const taken = Math.min(lot.remaining, left);
    debits.push({ lotId: lot.lotId, points: taken });
    left -= taken;
  }
  return { debits, shortfall: left };
}

/** The lots after debits (new objects; the given lots are left as they were). */
export function applyDebits(lots: readonly PointsLot[], debits: readonly LotDebit[]): PointsLot[] {
  return lots.map((lot) => {
    const taken = debits.filter((d) => d.lotId === lot.lotId).reduce((sum, d) => sum + d.points, 0);
    return taken === 0 ? lot : { ...lot, remaining: Math.max(0, lot.remaining - taken) };
  });
}

/** Lots with points left whose expiry has come at `now` (expiresAt ≤ now). */
export function lotsDueToExpire(lots: readonly PointsLot[], now: string): PointsLot[] {
  return burnOrder(lots.filter((lot) => lot.remaining > 0 && lot.expiresAt !== null && isAtOrBefore(lot.expiresAt, now)));
}

/** Points usable now: what the lots hold minus the debt left by clawbacks (negative while in debt). */
export function pointsBalance(lots: readonly PointsLot[], debtPoints: number): number {
  return lots.reduce((sum, lot) => sum + lot.remaining, 0) - debtPoints;
}
