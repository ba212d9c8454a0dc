import type { z } from 'zod';
import type { PurchaseRecord } from '../events/loyalty-state.js';
import type { PurchaseRecorded, PurchaseRefunded } from '../events/purchase.events.js';
import { DomainError } from '../shared/errors.js';

export type PurchaseRecordedData = z.infer<typeof PurchaseRecorded>;
export type PurchaseRefundedData = z.infer<typeof PurchaseRefunded>;

/**
 * The arithmetic a ticket must satisfy before anything is recorded: a line total is quantity × unit
 * price − discount, and the ticket total is the sum of its lines (a ticket-wide discount is spread
 * over the lines' discounts, so that a refund of a line gives back what was paid for it).
 */
export function checkPurchaseArithmetic(purchase: PurchaseRecordedData): void {
  const seen = new Set<number>();
  purchase.lines.forEach((line, i) => {
    if (seen.has(line.lineNo)) {
      throw new DomainError('invalid-command', `lines[${i}].lineNo: line ${line.lineNo} appears twice`, { path: `lines.${i}.lineNo` });
    }
    seen.add(line.lineNo);
    const expected = line.quantity * line.unitPriceCents - line.discountCents;
    if (line.totalCents !== expected) {
      throw new DomainError(
        'invalid-command',
        `lines[${i}].totalCents: ${line.totalCents} is not quantity × unitPriceCents − discountCents (${expected})`,
        { path: `lines.${i}.totalCents`, expected },
      );
    }
  });
  const sum = purchase.lines.reduce((total, line) => total + line.totalCents, 0);
  if (purchase.totalCents !== sum) {
    throw new DomainError('invalid-command', `totalCents: ${purchase.totalCents} is not the sum of the line totals (${sum})`, {
      path: 'totalCents',
      expected: sum,
    });
  }
}

/** What is remembered of a purchase to refund it later; points are filled in by PointsEarned. */
export function purchaseRecordOf(purchase: PurchaseRecordedData): PurchaseRecord {
  return {
    purchaseId: purchase.purchaseId,
    purchasedAt: purchase.purchasedAt,
    totalCents: purchase.totalCents,
    refundedCents: 0,
    lines: purchase.lines.map((line) => ({
      lineNo: line.lineNo,
      quantity: line.quantity,
      totalCents: line.totalCents,
      basisCents: 0,
      refundedQuantity: 0,
      refundedCents: 0,
    })),
    pointsEarned: 0,
    pointsTakenBack: 0,
    lotId: null,
  };
}

export function applyRefund(record: PurchaseRecord, refund: PurchaseRefundedData): PurchaseRecord {
  return {
    ...record,
    refundedCents: record.refundedCents + refund.amountCents,
    lines: record.lines.map((line) => {
      const refunded = refund.lines.filter((r) => r.lineNo === line.lineNo);
      if (refunded.length === 0) return line;
      return {
        ...line,
        refundedQuantity: line.refundedQuantity + refunded.reduce((sum, r) => sum + r.quantity, 0),
        refundedCents: line.refundedCents + refunded.reduce((sum, r) => sum + r.amountCents, 0),
      };
    }),
  };
}
