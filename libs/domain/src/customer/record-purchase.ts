import { LIMITS } from '../events/limits.js';
import { pointsForPurchase } from '../program/purchase-points.js';
import { isRewardUsable } from '../program/rewards.js';
import { checkPurchaseArithmetic } from '../sale/purchase-record.js';
import { DomainError } from '../shared/errors.js';
import { instantMs } from '../shared/instants.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { remembers, type ActiveCustomer } from './customer.state.js';
import { record, type CustomerContext, type Decision } from './decision.js';
import { openPurchase } from './open-purchases.js';
import { earnPoints } from './points-steps.js';
import { heldReward } from './reward-book.js';

/** A ticket may be dated this far ahead of the decision (a till whose clock runs fast), no further. */
export const PURCHASE_FUTURE_TOLERANCE_MS = LIMITS.futureToleranceMs;

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
  // Only purchases still open for refunds are in the state: the engine's purchase locator keeps
  // every purchase id unique for good.
  if (openPurchase(state.purchases, purchase.purchaseId)) {
    throw new DomainError('purchase-already-recorded', `Purchase ${purchase.purchaseId} is already recorded`, {
      purchaseId: purchase.purchaseId,
    });
  }
  // The stream's clock follows purchase dates: none may run far ahead of the decision.
  if (instantMs(purchase.purchasedAt) > instantMs(context.now) + PURCHASE_FUTURE_TOLERANCE_MS) {
    throw new DomainError('invalid-command', 'purchasedAt: more than a day in the future', { path: 'purchasedAt' });
  }
  checkPurchaseArithmetic(purchase);
  const points = pointsForPurchase(purchase, context.program.definition.earn, heldTierMultiplier(state, context));

  let next = record(decision, { type: 'PurchaseRecorded', data: purchase });
  for (const rewardId of purchase.rewardIdsUsed) {
    const reward = heldReward(next.state.rewards, rewardId);
    // Checked at the time of the sale: a voucher used on its last day stays good when the ticket syncs late.
    if (!reward || !isRewardUsable(reward, purchase.purchasedAt)) {
      throw new DomainError('reward-not-usable', `Reward ${rewardId} cannot be used on this purchase`, {
        rewardId,
        reason: whyNotUsable(next.state, rewardId, reward?.status ?? null),
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

/** A reward used or expired long ago has left the state; its id says which. */
function whyNotUsable(state: ActiveCustomer, rewardId: string, status: 'issued' | 'redeemed' | null): 'unknown' | 'already-used' | 'expired' {
  if (status === 'redeemed' || remembers(state, 'used-reward', rewardId)) return 'already-used';
  if (status === 'issued' || remembers(state, 'reward', rewardId)) return 'expired';
  return 'unknown';
}
