import { rollingWindowStart } from '../program/rolling-spend.js';
import { instantMs } from '../shared/instants.js';
import { chooseTier } from '../program/tier-choice.js';
import type { ActiveCustomer } from './customer.state.js';
import type { CustomerContext, Decision } from './decision.js';
import { record } from './decision.js';
import { expireDuePoints } from './points-steps.js';
import { sumBetween } from './spend.js';

export interface RollingSpend {
  readonly windowStart: string;
  readonly spendCents: number;
}

export function rollingSpendOf(state: ActiveCustomer, context: CustomerContext): RollingSpend {
  const windowStart = rollingWindowStart(context.now, context.program.definition.tiers.windowMonths, context.timeZone);
  // Net spend within [windowStart, now]: purchases minus refunds, each counted at its own date.
  return { windowStart, spendCents: sumBetween(state.spend, instantMs(windowStart), instantMs(context.now)) };
}

/** TierChanged when the rolling net spend calls for another level (see chooseTier). */
export function reviewTier(decision: Decision, context: CustomerContext): Decision {
  const { state } = decision;
  const { windowStart, spendCents } = rollingSpendOf(state, context);
  const move = chooseTier(context.program.definition.tiers, state.tier, spendCents, context.now, context.timeZone);
  if (!move) return decision;
  return record(decision, {
    type: 'TierChanged',
    data: {
      customerId: state.customerId,
      from: state.tier?.id ?? null,
      to: move.to.id,
      direction: move.direction,
      currency: context.currency,
      rollingSpendCents: spendCents,
      windowStart,
      guaranteedUntil: move.guaranteedUntil,
      programVersion: context.program.version,
      changedAt: context.now,
    },
  });
}

/**
 * Every decision ends here: points that came due during it (a lot earned long ago, from an imported
 * ticket) expire, then the tier is reviewed on the spend it leaves.
 */
export function closeDecision(decision: Decision, context: CustomerContext): Decision {
  return reviewTier(expireDuePoints(decision, context), context);
}
