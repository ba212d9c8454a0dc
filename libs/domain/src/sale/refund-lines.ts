import type { PurchaseRecord } from '../events/loyalty-state.js';
import { DomainError } from '../shared/errors.js';

export interface RefundRequestLine {
  readonly lineNo: number;
  readonly quantity: number;
}

export interface RefundedLineAmount {
  readonly lineNo: number;
  readonly quantity: number;
  readonly amountCents: number;
}

/**
 * The amount of each refunded line: ⌊line total × units / quantity⌋, except that the refund which
 * takes the last units gets everything not yet refunded, so a line refunded in full (in one go or
 * unit by unit) gives back exactly its total. No lines requested: everything not yet refunded.
 */
export function refundLineAmounts(record: PurchaseRecord, requested: readonly RefundRequestLine[] | undefined): RefundedLineAmount[] {
  const wanted =
    requested ??
    record.lines
      .filter((line) => line.refundedQuantity < line.quantity)
      .map((line) => ({ lineNo: line.lineNo, quantity: line.quantity - line.refundedQuantity }));
  if (wanted.length === 0) {
    throw new DomainError('refund-exceeds-purchase', `Purchase ${record.purchaseId} is already fully refunded`, {
      purchaseId: record.purchaseId,
      remainingCents: 0,
    });
  }
  const seen = new Set<number>();
  return wanted.map((request) => {
    const line = record.lines.find((l) => l.lineNo === request.lineNo);
    if (!line || seen.has(request.lineNo)) {
      throw new DomainError(
        'invalid-command',
        line ? `Line ${request.lineNo} is listed twice in the refund` : `Purchase ${record.purchaseId} has no line ${request.lineNo}`,
        { lineNo: request.lineNo },
      );
    }
    seen.add(request.lineNo);
    if (!Number.isInteger(request.quantity) || request.quantity < 1) {
      throw new DomainError('invalid-command', `Line ${request.lineNo}: the quantity to refund must be a whole number of at least 1`, {
        lineNo: request.lineNo,
      });
    }
    const remaining = line.quantity - line.refundedQuantity;
    if (request.quantity > remaining) {
      throw new DomainError(
        'refund-exceeds-purchase',
        `Line ${line.lineNo}: ${request.quantity} to refund but only ${remaining} left`,
        { purchaseId: record.purchaseId, lineNo: line.lineNo, requested: request.quantity, remaining },
      );
    }
    const last = request.quantity === remaining;
    const amountCents = last
      ? line.totalCents - line.refundedCents
      : Math.floor((line.totalCents * request.quantity) / line.quantity);
    return { lineNo: line.lineNo, quantity: request.quantity, amountCents };
  });
}
