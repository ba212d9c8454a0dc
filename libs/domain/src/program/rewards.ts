import type { IssuedReward } from '../events/loyalty-state.js';
import { isBefore } from '../shared/instants.js';
import { endOfLocalDayAfter } from '../shared/local-time.js';
import type { Program, RewardDefinition, TierLevel } from './program.schema.js';

export function findReward(program: Program, rewardCode: string): RewardDefinition | undefined {
  return program.rewards.find((reward) => reward.id === rewardCode);
}

export function autoIssueReward(program: Program): RewardDefinition | undefined {
  return program.rewards.find((reward) => reward.autoIssue);
}

/** A voucher valid N days is good through the whole N-th day after its issue day (same rule as lots). */
export function rewardExpiresAt(reward: RewardDefinition, issuedAt: string, timeZone: string): string | null {
  return reward.validityDays === null ? null : endOfLocalDayAfter(issuedAt, { days: reward.validityDays }, timeZone);
}

/** Whether the tier held is at or above the reward's minimum tier (by position in the program's levels). */
export function tierAllows(levels: readonly TierLevel[], heldTierId: string | null, minTier: string | null): boolean {
  if (minTier === null) return true;
  const required = levels.findIndex((level) => level.id === minTier);
  const held = heldTierId === null ? -1 : levels.findIndex((level) => level.id === heldTierId);
  return held >= 0 && held >= required;
}

/** Issued, not yet used, and not expired at `at`. */
export function isRewardUsable(reward: IssuedReward, at: string): boolean {
  return reward.status === 'issued' && (reward.expiresAt === null || isBefore(at, reward.expiresAt));
}
