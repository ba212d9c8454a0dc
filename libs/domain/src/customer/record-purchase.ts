import { pointsForPurchase } from '../program/purchase-points.js';
import { isRewardUsable } from '../program/rewards.js';
import { checkPurchaseArithmetic } from '../sale/purchase-record.js';
import { DomainError } from '../shared/errors.js';
import type { CustomerCommandOf } from './customer.commands.js';
import type { ActiveCustomer } from './customer.state.js';
import { record, type CustomerContext, type Decision } from './decision.js';
import { earnPoints } from './points-steps.js';

export const purchaseLotId = (purchaseId: string): string => `purchase:${purchaseId}`;

/** The earn multiplier of the tier held (before the purchase being decided); 1 without a known tier. */
export function heldTierMultiplier(state: ActiveCustomer, context: CustomerContext): number {
  const level = context.program.definition.tiers.levels.find((l) => l.id === state.tier?.id);
  return level?.earnMultiplier ?? 1;
}

/**
 * PurchaseRecorded, RewardRedeemed for each reward used on the ticket, then PointsEarned under the
 * tier held before it. The tier review and automatic rewards follow when the decision closes.
 */
export function recordPurchase(command: CustomerCommandOf<'RecordPurchase'>, decision: Decision, context: CustomerContext): Decision {
  const purchase = command.data;
  const { state } = decision;
  if (purchase.customerId !== state.customerId) {
    throw new DomainError('invalid-command', `customerId: ${purchase.customerId} is not this customer (${state.customerId})`, {
      path: 'customerId',
    });
  }
  if (state.purchases.some((p) => p.purchaseId === purchase.purchaseId)) {
    throw new DomainError('purchase-already-recorded', `Purchase ${purchase.purchaseId} is already recorded`, {
      purchaseId: purchase.purchaseId,
    });
  }
  checkPurchaseArithmetic(purchase);
  const points = pointsForPurchase(purchase, context.program.definition.earn, heldTierMultiplier(state, context));

  let next = record(decision, { type: 'PurchaseRecorded', data: purchase });
  for (const rewardId of purchase.rewardIdsUsed) {
    const reward = next.state.rewards.find((r) => r.rewardId === rewardId);
    // Checked at the time of the sale: a voucher used on its last day stays good when the ticket syncs late.
    if (!reward || !isRewardUsable(reward, purchase.purchasedAt)) {
      throw new DomainError('reward-not-usable', `Reward ${rewardId} cannot be used on this purchase`, {
        rewardId,
        reason: !reward ? 'unknown' : reward.status === 'redeemed' ? 'already-used' : 'expired',
      });
    }
    next = record(next, {
      type: 'RewardRedeemed',
      data: { customerId: state.customerId, rewardId, purchaseId: purchase.purchaseId, redeemedAt: purchase.purchasedAt },
    });
  }
  return earnPoints(
    next,
    {
      lotId: purchaseLotId(purchase.purchaseId),
      points: points.points,
      reason: 'purchase',
      sourceId: purchase.purchaseId,
      basis: points.basis,
      earnedAt: purchase.purchasedAt,
    },
    context,
  );
}
