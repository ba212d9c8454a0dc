import { planDebit, pointsBalance } from '../program/points-lots.js';
import { autoIssueReward, rewardExpiresAt, tierAllows } from '../program/rewards.js';
import type { RewardDefinition } from '../program/program.schema.js';
import { derivedId } from '../shared/derived-id.js';
import { remembers } from './customer.state.js';
import type { CustomerContext, Decision } from './decision.js';
import { record } from './decision.js';

/** A safety valve: one huge ticket issues at most this many rewards; the rest come with the next decision. */
const MAX_AUTOMATIC_REWARDS_PER_DECISION = 20;

/**
 * While the balance covers the program's automatic reward (and the tier allows it), redeem its cost
 * and issue it. Ids derive from what caused the decision (`<purchaseId>-auto-<n>`), skipping any
 * already taken, so deciding again gives the same ids.
 */
export function issueAutomaticRewards(decision: Decision, context: CustomerContext, causeId: string): Decision {
  const reward = autoIssueReward(context.program.definition);
  if (!reward) return decision;
  let current = decision;
  let n = 0;
  for (let issued = 0; issued < MAX_AUTOMATIC_REWARDS_PER_DECISION; issued++) {
    const { state } = current;
    if (!tierAllows(context.program.definition.tiers.levels, state.tier?.id ?? null, reward.minTier)) break;
    if (pointsBalance(state.lots, state.debtPoints) < reward.costPoints) break;
    let id: string;
    do id = derivedId(causeId, `auto-${++n}`);
    while (remembers(state, 'reward', id));
    current = redeemFor(current, reward, { redemptionId: id, trigger: 'automatic' }, context);
  }
  return current;
}

/** PointsRedeemed (lots first-expiring-first) then RewardIssued; the caller has checked the balance. */
export function redeemFor(
  decision: Decision,
  reward: RewardDefinition,
  how: { readonly redemptionId: string; readonly trigger: 'redemption' | 'automatic' },
  context: CustomerContext,
): Decision {
  const { state } = decision;
  const { debits } = planDebit(state.lots, reward.costPoints);
  const base = { customerId: state.customerId, rewardId: how.redemptionId, rewardCode: reward.id };
  return record(
    decision,
    {
      type: 'PointsRedeemed',
      data: { ...base, redemptionId: how.redemptionId, points: reward.costPoints, lots: debits, redeemedAt: context.now },
    },
    {
      type: 'RewardIssued',
      data: {
        ...base,
        name: reward.name,
        kind: reward.kind,
        currency: context.currency,
        valueCents: reward.valueCents,
        pointsCost: reward.costPoints,
        trigger: how.trigger,
        programVersion: context.program.version,
        issuedAt: context.now,
        expiresAt: rewardExpiresAt(reward, context.now, context.timeZone),
      },
    },
  );
}
