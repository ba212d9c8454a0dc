import type { PurchaseRecord } from '../events/loyalty-state.js';
import { floorDiv, roundDiv } from './thousandths.js';

/**
 * Points to take back after a refund, from the purchase record with the refund already applied:
 * the per-item points of the units refunded (count cards: a bottle returned is a bottle less on the
 * card), plus round(spendPoints × refundedBasis / totalBasis) for the rest of the points, halves
 * rounded up, − what was already taken back; everything still held once the whole purchase is
 * refunded, so repeated partial refunds never leave or take one point too many. A fully refunded
 * line counts its whole basis; a partly refunded line its basis in proportion to the amount
 * refunded, rounded down.
 */
export function pointsToTakeBack(record: PurchaseRecord): number {
  const left = record.pointsEarned - record.pointsTakenBack;
  if (left <= 0) return 0;
  const fullyRefunded = record.lines.every((line) => line.refundedQuantity >= line.quantity);
  if (fullyRefunded) return left;
  let totalBasis = 0n;
  let refundedBasis = 0n;
  let itemPoints = 0;
  let refundedItemPoints = 0;
  for (const line of record.lines) {
    const linePoints = line.itemPoints ?? 0;
    itemPoints += linePoints;
    // Per-item points are units × points per unit: the refunded units' share is exact.
    refundedItemPoints += Math.floor((linePoints * Math.min(line.refundedQuantity, line.quantity)) / line.quantity);
    totalBasis += BigInt(line.basisCents);
    if (line.refundedQuantity >= line.quantity) refundedBasis += BigInt(line.basisCents);
    else if (line.totalCents > 0) {
      refundedBasis += floorDiv(BigInt(line.basisCents) * BigInt(line.refundedCents), BigInt(line.totalCents));
    }
  }
  const spendPoints = Math.max(0, record.pointsEarned - itemPoints);
  // Points that came from no basis (flat per-purchase points on an all-promo ticket) wait for the full refund.
  const spendDue = totalBasis === 0n ? 0 : Number(roundDiv(BigInt(spendPoints) * refundedBasis, totalBasis));
  const due = refundedItemPoints + spendDue;
  return Math.max(0, Math.min(left, due - record.pointsTakenBack));
}
