import { pointsBalance } from '../program/points-lots.js';
import { findReward, tierAllows } from '../program/rewards.js';
import { DomainError } from '../shared/errors.js';
import { redeemFor } from './automatic-rewards.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { remembers } from './customer.state.js';
import type { CustomerContext, Decision } from './decision.js';

/** PointsRedeemed + RewardIssued (the reward's id is the redemption's). */
export function redeemReward(command: CustomerCommandOf<'RedeemReward'>, decision: Decision, context: CustomerContext): Decision {
  const { redemptionId, rewardCode } = command.data;
  const { state } = decision;
  if (remembers(state, 'reward', redemptionId)) {
    throw new DomainError('redemption-already-recorded', `Redemption ${redemptionId} is already recorded`, { redemptionId });
  }
  const program = context.program.definition;
  const reward = findReward(program, rewardCode);
  if (!reward) {
    throw new DomainError('unknown-reward', `The program has no reward "${rewardCode}"`, {
      rewardCode,
      known: program.rewards.map((r) => r.id),
    });
  }
  const tier = state.tier?.id ?? null;
  if (!tierAllows(program.tiers.levels, tier, reward.minTier)) {
    throw new DomainError('reward-not-usable', `Reward "${rewardCode}" needs tier ${reward.minTier ?? ''}`, {
      rewardCode,
      reason: 'tier-too-low',
      requiredTier: reward.minTier,
      tier,
    });
  }
  const balance = pointsBalance(state.lots, state.debtPoints);
  if (balance < reward.costPoints) {
    throw new DomainError('insufficient-points', `Reward "${rewardCode}" costs ${reward.costPoints} points; the balance is ${balance}`, {
      balance,
      required: reward.costPoints,
    });
  }
  return redeemFor(decision, reward, { redemptionId, trigger: 'redemption' }, context);
}
