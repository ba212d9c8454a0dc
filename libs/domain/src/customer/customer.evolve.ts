import type { EventData } from '../events/catalog.js';
import { applyRefund, purchaseRecordOf } from '../sale/purchase-record.js';
import {
  onPointsAdjusted,
  onPointsEarned,
  onPointsExpired,
  onPointsRedeemed,
  onRewardIssued,
  onRewardRedeemed,
  onTierChanged,
} from './customer-loyalty.evolve.js';
import type { ActiveCustomer, ConsentStatus, CustomerState, CustomerStreamEvent } from './customer.state.js';

/** Folds one event into the state. Never mutates `state`: every change makes new objects and arrays. */
export function evolveCustomer(state: CustomerState, event: CustomerStreamEvent): CustomerState {
  if (event.type === 'CustomerEnrolled') return state.status === 'unknown' ? enrolled(event.data) : state;
  if (state.status !== 'active') return state;
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
        purchases: [...state.purchases, purchaseRecordOf(event.data)],
        spend: [...state.spend, { at: event.data.purchasedAt, cents: event.data.totalCents }],
      };
    case 'PurchaseRefunded': {
      const refund = event.data;
      return {
        ...state,
        purchases: state.purchases.map((r) => (r.purchaseId === refund.purchaseId ? applyRefund(r, refund) : r)),
        spend: [...state.spend, { at: refund.refundedAt, cents: -refund.amountCents }],
        refundIds: [...state.refundIds, refund.refundId],
      };
    }
    case 'VisitRecorded': {
      const { visitId, kind, visitedAt } = event.data;
      return { ...state, visits: [...state.visits, { visitId, kind, visitedAt, earnedPoints: false }] };
    }
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
    case 'CustomersMerged':
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

function enrolled(data: EventData<'CustomerEnrolled'>): ActiveCustomer {
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
    lots: [],
    debtPoints: 0,
    purchases: [],
    spend: [],
    refundIds: [],
    visits: [],
    rewards: [],
    redemptionIds: [],
    adjustmentIds: [],
    tier: null,
    absorbedIds: [],
  };
}

function withConsent(state: ActiveCustomer, change: ConsentStatus): ActiveCustomer {
  const { channel, purpose, granted, source, changedAt } = change;
  const others = state.consents.filter((c) => c.channel !== channel || c.purpose !== purpose);
  return { ...state, consents: [...others, { channel, purpose, granted, source, changedAt }] };
}

function onMerged(state: ActiveCustomer, data: EventData<'CustomersMerged'>): CustomerState {
  if (data.role === 'merged') return { status: 'merged', customerId: state.customerId, survivorId: data.survivorId };
  const { lots, debtPoints, purchases, rewards } = data.transferred;
  // Refund dates of a transferred purchase are not transferred: its refunds count at its purchase date.
  const spend = purchases.flatMap((p) => [
    { at: p.purchasedAt, cents: p.totalCents },
    ...(p.refundedCents > 0 ? [{ at: p.purchasedAt, cents: -p.refundedCents }] : []),
  ]);
  return {
    ...state,
    lots: [...state.lots, ...lots.filter((lot) => lot.remaining > 0)],
    debtPoints: state.debtPoints + debtPoints,
    purchases: [...state.purchases, ...purchases],
    spend: [...state.spend, ...spend],
    rewards: [...state.rewards, ...rewards],
    absorbedIds: [...state.absorbedIds, data.mergedId],
  };
}
