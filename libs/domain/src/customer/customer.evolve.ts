import type { EventData } from '../events/catalog.js';
import { addLot, EMPTY_LOTS } from '../program/points-lots.js';
import { applyRefund, purchaseRecordOf } from '../sale/purchase-record.js';
import { instantMs } from '../shared/instants.js';
import type { SortedMap } from '../shared/sorted-map.js';
import {
  onPointsAdjusted,
  onPointsEarned,
  onPointsExpired,
  onPointsRedeemed,
  onRewardIssued,
  onRewardRedeemed,
  onTierChanged,
} from './customer-loyalty.evolve.js';
import {
  NO_IDS,
  remember,
  type ActiveCustomer,
  type ConsentStatus,
  type CustomerState,
  type CustomerStreamEvent,
} from './customer.state.js';
import { closePurchasesBefore, NO_PURCHASES, updatePurchase, withPurchase } from './open-purchases.js';
import { horizonsAt, later, type Retention } from './retention.js';
import { forgetRewardsClosedBefore, NO_REWARDS, withReward } from './reward-book.js';
import { addSpend, emptySpend } from './spend.js';

/**
 * Folds one event into the state. Never mutates `state`: a change makes a new state that shares
 * every collection it did not touch, and touches O(log n) of the ones it did. After each event, what
 * lies behind the stream clock's horizons (no future decision can need it) is forgotten (retention.ts).
 */
export function evolveCustomer(state: CustomerState, event: CustomerStreamEvent): CustomerState {
  if (event.type === 'CustomerEnrolled') return state.status === 'unknown' ? enrolled(event.data, state.retention) : state;
  if (state.status !== 'active') return state;
  const next = applied(state, event);
  return next.status === 'active' && next !== state ? forgotten(next) : next;
}

function applied(state: ActiveCustomer, event: Exclude<CustomerStreamEvent, { type: 'CustomerEnrolled' }>): CustomerState {
  switch (event.type) {
    case 'CustomerProfileUpdated': {
      const { customerType, businessCategory, storeId, locale, profile, identityKeys } = event.data;
      return { ...state, customerType, businessCategory, storeId, locale, profile, identityKeys };
    }
    case 'ConsentGranted':
      return withConsent(state, { ...event.data, granted: true, changedAt: event.data.grantedAt });
    case 'ConsentWithdrawn':
      return withConsent(state, { ...event.data, granted: false, changedAt: event.data.withdrawnAt });
    case 'PurchaseRecorded':
      return {
        ...state,
        clock: later(state.clock, event.data.purchasedAt),
        purchases: withPurchase(state.purchases, purchaseRecordOf(event.data)),
        spend: addSpend(state.spend, event.data.purchasedAt, event.data.totalCents),
      };
    case 'PurchaseRefunded': {
      const refund = event.data;
      return {
        ...state,
        purchases: updatePurchase(state.purchases, refund.purchaseId, (record) => applyRefund(record, refund)),
        spend: addSpend(state.spend, refund.refundedAt, -refund.amountCents),
        ids: remember(state.ids, 'refund', refund.refundId),
      };
    }
    case 'VisitRecorded':
      return { ...state, ids: remember(state.ids, 'visit', event.data.visitId) };
    case 'PointsEarned':
      return onPointsEarned(state, event.data);
    case 'PointsRedeemed':
      return onPointsRedeemed(state, event.data);
    case 'PointsExpired':
      return onPointsExpired(state, event.data);
    case 'PointsAdjusted':
      return onPointsAdjusted(state, event.data);
    case 'TierChanged':
      return onTierChanged(state, event.data);
    case 'RewardIssued':
      return onRewardIssued(state, event.data);
    case 'RewardRedeemed':
      return onRewardRedeemed(state, event.data);
    case 'ChallengeCompleted':
      // Its bonus arrives as its own PointsEarned (reason "challenge").
      return state;
    case 'VoucherIssued':
    case 'VoucherRedeemed':
      // Campaign vouchers change no points nor tier: they are kept by their own read model.
      return state;
    case 'CustomersMergedV2':
      return onMerged(state, event.data);
    case 'CustomerErased':
      return { status: 'erased', customerId: state.customerId };
    default: {
      // Compile-time exhaustiveness; at run time an event type from a newer version is skipped.
      const _unhandled: never = event;
      return state;
    }
  }
}

function enrolled(data: EventData<'CustomerEnrolled'>, retention: Retention | null): ActiveCustomer {
  return {
    status: 'active',
    customerId: data.customerId,
    customerType: data.customerType,
    businessCategory: data.businessCategory,
    storeId: data.storeId,
    externalId: data.externalId,
    locale: data.locale,
    profile: data.profile,
    identityKeys: data.identityKeys,
    enrolledAt: data.enrolledAt,
    consents: [],
    retention,
    clock: instantMs(data.enrolledAt),
    lots: EMPTY_LOTS,
    debtPoints: 0,
    purchases: NO_PURCHASES,
    spend: emptySpend(),
    earnedVisits: emptySpend(),
    rewards: NO_REWARDS,
    ids: NO_IDS,
    tier: null,
  };
}

function withConsent(state: ActiveCustomer, change: ConsentStatus): ActiveCustomer {
  const { channel, purpose, granted, source, changedAt } = change;
  const others = state.consents.filter((c) => c.channel !== channel || c.purpose !== purpose);
  return { ...state, consents: [...others, { channel, purpose, granted, source, changedAt }] };
}

function onMerged(state: ActiveCustomer, data: EventData<'CustomersMergedV2'>): CustomerState {
  if (data.role === 'merged') return { status: 'merged', customerId: state.customerId, survivorId: data.survivorId };
  const { lots, debtPoints, refundablePurchases, spend, rewards } = data.transferred;
  return {
    ...state,
    clock: later(state.clock, data.mergedAt),
    lots: lots.reduce(addLot, state.lots),
    debtPoints: state.debtPoints + debtPoints,
    purchases: refundablePurchases.reduce(withPurchase, state.purchases),
    spend: spend.reduce((sum, day) => addSpend(sum, day.at, day.cents), state.spend),
    rewards: rewards.reduce((book, reward) => withReward(book, reward), state.rewards),
    ids: remember(
      rewards.reduce((ids, reward) => remember(ids, 'reward', reward.rewardId), state.ids),
      'absorbed',
      data.mergedId,
    ),
  };
}

/** The state without what lies behind its horizons (nothing is forgotten without a retention). */
function forgotten(state: ActiveCustomer): ActiveCustomer {
  if (state.retention === null) return state;
  const horizons = horizonsAt(state.clock, state.retention);
  const purchases = closePurchasesBefore(state.purchases, horizons.purchasedBefore);
  const spend = dropBefore(state.spend, horizons.spentBefore);
  const earnedVisits = dropBefore(state.earnedVisits, horizons.visitedBefore);
  const rewards = forgetRewardsClosedBefore(state.rewards, horizons.closedBefore);
  if (purchases === state.purchases && spend === state.spend && earnedVisits === state.earnedVisits && rewards === state.rewards) return state;
  return { ...state, purchases, spend, earnedVisits, rewards };
}

function dropBefore(map: SortedMap<number, number>, before: number): SortedMap<number, number> {
  let kept = map;
  for (let first = kept.first(); first && first[0] < before; first = kept.first()) kept = kept.delete(first[0]);
  return kept;
}
