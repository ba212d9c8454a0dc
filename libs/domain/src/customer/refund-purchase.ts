import { planDebit } from '../program/points-lots.js';
import { refundClosesAt } from '../program/refund-window.js';
import { pointsToTakeBack } from '../program/refund-clawback.js';
import { refundLineAmounts } from '../sale/refund-lines.js';
import { DomainError } from '../shared/errors.js';
import { isBefore } from '../shared/instants.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { remembers } from './customer.state.js';
import { record, type CustomerContext, type Decision } from './decision.js';
import { openPurchase } from './open-purchases.js';

export const refundAdjustmentId = (refundId: string): string => `refund:${refundId}`;

/**
 * PurchaseRefunded, then PointsAdjusted taking back the points the refunded part had earned: from
 * the purchase's own lot first, then first-expiring-first, and as debt for what was already spent.
 * The refund must be dated within the program's refund window; a purchase whose window closed a
 * while ago is no longer in the state (retention.ts) and cannot be refunded.
 */
export function refundPurchase(command: CustomerCommandOf<'RefundPurchase'>, decision: Decision, context: CustomerContext): Decision {
  const { purchaseId, refundId, refundedAt, storeId, reason } = command.data;
  const { state } = decision;
  if (remembers(state, 'refund', refundId)) {
    throw new DomainError('refund-already-recorded', `Refund ${refundId} is already recorded`, { refundId });
  }
  const purchase = openPurchase(state.purchases, purchaseId);
  if (!purchase) throw new DomainError('purchase-not-found', `No purchase ${purchaseId} open for refunds on this customer`, { purchaseId });
  const closesAt = refundClosesAt(purchase.purchasedAt, context.program.definition.refunds.windowDays, context.timeZone);
  if (!isBefore(refundedAt, closesAt)) {
    throw new DomainError('refund-window-closed', `Purchase ${purchaseId} could be refunded until ${closesAt}`, { purchaseId, closedAt: closesAt });
  }

  const lines = refundLineAmounts(purchase, command.data.lines);
  const amountCents = lines.reduce((sum, line) => sum + line.amountCents, 0);
  const refunded = record(decision, {
    type: 'PurchaseRefunded',
    data: { purchaseId, refundId, customerId: state.customerId, storeId, currency: context.currency, lines, amountCents, reason, refundedAt },
  });

  const after = openPurchase(refunded.state.purchases, purchaseId);
  const points = after ? pointsToTakeBack(after) : 0;
  if (points === 0) return refunded;
  const plan = planDebit(refunded.state.lots, points, after?.lotId ?? null);
  return record(refunded, {
    type: 'PointsAdjusted',
    data: {
      customerId: state.customerId,
      adjustmentId: refundAdjustmentId(refundId),
      points: -points,
      reason: 'refund',
      sourceId: purchaseId,
      lots: plan.debits,
      debtPoints: plan.shortfall,
      lotId: null,
      expiresAt: null,
      note: null,
      adjustedAt: context.now,
    },
  });
}
