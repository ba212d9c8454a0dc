import { customerBalance, type CustomerState, type DomainEvent } from '@relance/domain';
import { z } from 'zod';

/** What a write did to the customer's loyalty, for the response: read from the events it appended. */
export function loyaltyOutcome(events: readonly DomainEvent[], state: CustomerState, now: string) {
  let pointsEarned = 0;
  let pointsTakenBack = 0;
  let tierChange: { from: string | null; to: string; direction: 'up' | 'down' } | null = null;
  const rewardsIssued: { rewardId: string; rewardCode: string; name: string; kind: string; valueCents: number | null; expiresAt: string | null }[] = [];
  for (const event of events) {
    if (event.type === 'PointsEarned') pointsEarned += event.data.points;
    if (event.type === 'PointsAdjusted' && event.data.points < 0) pointsTakenBack -= event.data.points;
    if (event.type === 'TierChanged') tierChange = { from: event.data.from, to: event.data.to, direction: event.data.direction };
    if (event.type === 'RewardIssued') {
      const { rewardId, rewardCode, name, kind, valueCents, expiresAt } = event.data;
      rewardsIssued.push({ rewardId, rewardCode, name, kind, valueCents, expiresAt });
    }
  }
  return {
    pointsEarned,
    pointsTakenBack,
    balance: customerBalance(state, now),
    tier: state.status === 'active' ? (state.tier?.id ?? null) : null,
    tierChange,
    rewardsIssued,
  };
}

export const RewardIssuedSchema = z.object({
  rewardId: z.string(),
  rewardCode: z.string(),
  name: z.string(),
  kind: z.string(),
  valueCents: z.int().nullable(),
  expiresAt: z.iso.datetime().nullable(),
});

export const LoyaltyOutcomeSchema = z.object({
  pointsEarned: z.int(),
  pointsTakenBack: z.int(),
  balance: z.int(),
  tier: z.string().nullable(),
  tierChange: z.object({ from: z.string().nullable(), to: z.string(), direction: z.enum(['up', 'down']) }).nullable(),
  rewardsIssued: z.array(RewardIssuedSchema),
});
