import type { PurchaseRecord } from '../events/loyalty-state.js';
import { floorDiv, roundDiv } from './thousandths.js';

/**
 * Points to take back after a refund, from the purchase record with the refund already applied:
 * round(pointsEarned × refundedBasis / totalBasis) − what was already taken back, halves rounded up;
 * everything still held once the whole purchase is refunded, so repeated partial refunds never leave
 * or take one point too many. A fully refunded line counts its whole basis; a partly refunded line
 * its basis in proportion to the amount refunded, rounded down.
 */
export function pointsToTakeBack(record: PurchaseRecord): number {
  const left = record.pointsEarned - record.pointsTakenBack;
  if (left <= 0) return 0;
  const fullyRefunded = record.lines.every((line) => line.refundedQuantity >= line.quantity);
  if (fullyRefunded) return left;
  let totalBasis = 0n;
  let refundedBasis = 0n;
  for (const line of record.lines) {
    totalBasis += BigInt(line.basisCents);
    if (line.refundedQuantity >= line.quantity) refundedBasis += BigInt(line.basisCents);
    else if (line.totalCents > 0) {
      refundedBasis += floorDiv(BigInt(line.basisCents) * BigInt(line.refundedCents), BigInt(line.totalCents));
    }
  }
  // Points that came from no basis (flat per-purchase points on an all-promo ticket) wait for the full refund.
  if (totalBasis === 0n) return 0;
  const due = Number(roundDiv(BigInt(record.pointsEarned) * refundedBasis, totalBasis));
  return Math.max(0, Math.min(left, due - record.pointsTakenBack));
}
