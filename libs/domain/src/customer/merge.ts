import type { MergeTransferV2, SpendDay } from '../events/customer.events.js';
import type { PurchaseRecord } from '../events/loyalty-state.js';
import { lotsOf } from '../program/points-lots.js';
import { isRewardUsable } from '../program/rewards.js';
import { refundClosesAt } from '../program/refund-window.js';
import { rollingWindowStart } from '../program/rolling-spend.js';
import { DomainError } from '../shared/errors.js';
import { instantMs } from '../shared/instants.js';
import { localDateOf, startOfLocalDay } from '../shared/local-time.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { evolveCustomer } from './customer.evolve.js';
import type { ActiveCustomer, CustomerStreamEvent } from './customer.state.js';
import { record, type CustomerContext, type Decision, type DecisionOutcome } from './decision.js';
import { openPurchasesOf } from './open-purchases.js';
import { LATE_REFUND_DAYS } from './retention.js';
import { rewardsOf } from './reward-book.js';

const DAY = 86_400_000;

/**
 * What the duplicate hands over, once its due points have expired (see MergeTransferV2): nothing
 * worthless travels, and nothing the survivor's decisions do not need.
 */
export function mergeTransfer(state: ActiveCustomer, context: CustomerContext): MergeTransferV2 {
  return {
    lots: lotsOf(state.lots),
    debtPoints: state.debtPoints,
    refundablePurchases: refundablePurchases(state, context),
    spend: spendByDay(state, context),
    rewards: rewardsOf(state.rewards).filter((reward) => isRewardUsable(reward, context.now)),
  };
}

/** The open purchases a refund may still reach at the merge (see LATE_REFUND_DAYS). */
function refundablePurchases(state: ActiveCustomer, context: CustomerContext): PurchaseRecord[] {
  const { windowDays } = context.program.definition.refunds;
  const now = instantMs(context.now);
  return openPurchasesOf(state.purchases).filter(
    (p) => instantMs(refundClosesAt(p.purchasedAt, windowDays, context.timeZone)) + LATE_REFUND_DAYS * DAY > now,
  );
}

/** The net spend dated within the tier window (or later), one entry per local day, at its start. */
function spendByDay(state: ActiveCustomer, context: CustomerContext): SpendDay[] {
  const windowStart = instantMs(rollingWindowStart(context.now, context.program.definition.tiers.windowMonths, context.timeZone));
  const days = new Map<string, number>();
  for (const [at, cents] of state.spend.entries(windowStart)) {
    const day = localDateOf(new Date(at).toISOString(), context.timeZone);
    days.set(day, (days.get(day) ?? 0) + cents);
  }
  return [...days].filter(([, cents]) => cents !== 0).map(([day, cents]) => ({ at: startOfLocalDay(day, context.timeZone), cents }));
}

/** On the duplicate: CustomersMergedV2 (role merged) closes it; the survivor absorbs `transferred`. */
export function mergeInto(command: CustomerCommandOf<'MergeInto'>, decision: Decision, context: CustomerContext): DecisionOutcome {
  const { survivorId } = command.data;
  const { state } = decision;
  if (survivorId === state.customerId) {
    throw new DomainError('merge-not-allowed', 'A customer cannot be merged into itself', { customerId: state.customerId });
  }
  const merged: CustomerStreamEvent = {
    type: 'CustomersMergedV2',
    data: { survivorId, mergedId: state.customerId, role: 'merged', currency: context.currency, transferred: mergeTransfer(state, context), mergedAt: context.now },
  };
  return { events: [...decision.events, merged], state: evolveCustomer(state, merged) };
}

/** On the survivor: CustomersMergedV2 (role survivor); the tier review and automatic rewards follow. */
export function absorbCustomer(command: CustomerCommandOf<'AbsorbCustomer'>, decision: Decision, context: CustomerContext): Decision {
  const { mergedId, transferred, mergedAt } = command.data;
  const { state } = decision;
  if (mergedId === state.customerId) {
    throw new DomainError('merge-not-allowed', 'A customer cannot absorb itself', { customerId: state.customerId });
  }
  return record(decision, {
    type: 'CustomersMergedV2',
    data: { survivorId: state.customerId, mergedId, role: 'survivor', currency: context.currency, transferred, mergedAt },
  });
}
