import type { PointsLot } from '../events/loyalty-state.js';
import { lotsDueToExpire, lotsOf, pointsBalance } from '../program/points-lots.js';
import { qualifyingLevelIndex } from '../program/tier-choice.js';
import { findReward, isRewardUsable } from '../program/rewards.js';
import type { ActiveCustomer, ConsentStatus, CustomerState } from './customer.state.js';
import type { CustomerContext } from './decision.js';
import { rewardsOf } from './reward-book.js';
import { rollingSpendOf } from './tier-review.js';

/**
 * Points usable by the customer (negative while a clawback debt is unpaid). With `now`, lots whose
 * expiry has come count for nothing even before their PointsExpired is recorded.
 */
export function customerBalance(state: CustomerState, now?: string): number {
  if (state.status !== 'active') return 0;
  const due = now === undefined ? 0 : lotsDueToExpire(state.lots, now).reduce((sum, lot) => sum + lot.remaining, 0);
  return pointsBalance(state.lots, state.debtPoints) - due;
}

/** The lots with points left at `now` (all of them without it), in the order they will be used. */
export function customerLots(state: ActiveCustomer, now?: string): PointsLot[] {
  const lots = lotsOf(state.lots);
  return now === undefined ? lots : lots.slice(lotsDueToExpire(state.lots, now).length);
}

export interface ActiveCustomerSummary {
  readonly status: 'active';
  readonly customerId: string;
  readonly customerType: 'b2c' | 'b2b';
  readonly storeId: string | null;
  readonly enrolledAt: string;
  readonly balance: number;
  readonly debtPoints: number;
  /** Lots in the order they will be used (first to expire first). */
  readonly lots: readonly PointsLot[];
  readonly tier: { id: string; name: string | null; since: string; guaranteedUntil: string | null } | null;
  /** The next level up and the rolling spend still missing to reach it. */
  readonly nextTier: { id: string; name: string; missingCents: number } | null;
  readonly rollingSpend: { windowStart: string; spendCents: number };
  readonly consents: readonly ConsentStatus[];
  /** Rewards still usable, and those used or expired lately (the state forgets them FORGOTTEN_REWARD_DAYS after). */
  readonly rewards: readonly {
    rewardId: string;
    rewardCode: string;
    name: string | null;
    status: 'issued' | 'redeemed' | 'expired';
    issuedAt: string;
    expiresAt: string | null;
  }[];
}

export type CustomerSummary =
  | { readonly status: 'unknown' }
  | { readonly status: 'merged'; readonly customerId: string; readonly survivorId: string }
  | { readonly status: 'erased'; readonly customerId: string }
  | ActiveCustomerSummary;

/** The read view the HTTP shell serves for one customer, as of `context.now`. */
export function customerSummary(state: CustomerState, context: CustomerContext): CustomerSummary {
  if (state.status !== 'active') return state;
  const program = context.program.definition;
  const levels = program.tiers.levels;
  const rollingSpend = rollingSpendOf(state, context);
  const heldIndex = levels.findIndex((level) => level.id === state.tier?.id);
  const next = levels[Math.max(heldIndex, qualifyingLevelIndex(levels, rollingSpend.spendCents)) + 1];
  const lots = customerLots(state, context.now);
  return {
    status: 'active',
    customerId: state.customerId,
    customerType: state.customerType,
    storeId: state.storeId,
    enrolledAt: state.enrolledAt,
    balance: customerBalance(state, context.now),
    debtPoints: state.debtPoints,
    lots,
    tier: state.tier && { ...state.tier, name: levels[heldIndex]?.name ?? null },
    nextTier: next ? { id: next.id, name: next.name, missingCents: next.minSpendCents - rollingSpend.spendCents } : null,
    rollingSpend,
    consents: [...state.consents].sort((a, b) => `${a.channel}/${a.purpose}`.localeCompare(`${b.channel}/${b.purpose}`)),
    rewards: rewardsOf(state.rewards).map((reward) => ({
      ...reward,
      name: findReward(program, reward.rewardCode)?.name ?? null,
      status: reward.status === 'issued' && !isRewardUsable(reward, context.now) ? 'expired' : reward.status,
    })),
  };
}
