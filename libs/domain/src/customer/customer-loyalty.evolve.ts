import type { EventData } from '../events/catalog.js';
import type { PointsLot, PurchaseRecord } from '../events/loyalty-state.js';
import { lineBasisKey } from '../program/purchase-points.js';
import { applyDebits } from '../program/points-lots.js';
import type { ActiveCustomer } from './customer.state.js';

// How the points events change an active customer. Each returns a new state; nothing is mutated.

const withPoints = (lots: readonly PointsLot[]): PointsLot[] => lots.filter((lot) => lot.remaining > 0);

function updatePurchase(
  purchases: readonly PurchaseRecord[],
  purchaseId: string | null,
  change: (record: PurchaseRecord) => PurchaseRecord,
): PurchaseRecord[] {
  return purchases.map((record) => (record.purchaseId === purchaseId ? change(record) : record));
}

export function onPointsEarned(state: ActiveCustomer, data: EventData<'PointsEarned'>): ActiveCustomer {
  const lot: PointsLot = { lotId: data.lotId, remaining: data.points - data.debtRepaid, earnedAt: data.earnedAt, expiresAt: data.expiresAt };
  return {
    ...state,
    lots: withPoints([...state.lots, lot]),
    debtPoints: Math.max(0, state.debtPoints - data.debtRepaid),
    purchases:
      data.reason === 'purchase'
        ? updatePurchase(state.purchases, data.sourceId, (record) => ({
            ...record,
            pointsEarned: record.pointsEarned + data.points,
            lotId: data.lotId,
            lines: record.lines.map((line) => ({ ...line, basisCents: data.basis[lineBasisKey(line.lineNo)] ?? line.basisCents })),
          }))
        : state.purchases,
    visits:
      data.reason === 'visit'
        ? state.visits.map((visit) => (visit.visitId === data.sourceId ? { ...visit, earnedPoints: true } : visit))
        : state.visits,
  };
}

export function onPointsRedeemed(state: ActiveCustomer, data: EventData<'PointsRedeemed'>): ActiveCustomer {
  return {
    ...state,
    lots: withPoints(applyDebits(state.lots, data.lots)),
    redemptionIds: [...state.redemptionIds, data.redemptionId],
  };
}

export function onPointsExpired(state: ActiveCustomer, data: EventData<'PointsExpired'>): ActiveCustomer {
  return { ...state, lots: withPoints(applyDebits(state.lots, [{ lotId: data.lotId, points: data.points }])) };
}

export function onPointsAdjusted(state: ActiveCustomer, data: EventData<'PointsAdjusted'>): ActiveCustomer {
  const adjustmentIds = [...state.adjustmentIds, data.adjustmentId];
  if (data.points > 0) {
    const lot: PointsLot = {
      lotId: data.lotId ?? data.adjustmentId,
      remaining: data.points,
      earnedAt: data.adjustedAt,
      expiresAt: data.expiresAt,
    };
    return { ...state, lots: [...state.lots, lot], adjustmentIds };
  }
  return {
    ...state,
    lots: withPoints(applyDebits(state.lots, data.lots)),
    debtPoints: state.debtPoints + data.debtPoints,
    purchases:
      data.reason === 'refund'
        ? updatePurchase(state.purchases, data.sourceId, (record) => ({ ...record, pointsTakenBack: record.pointsTakenBack - data.points }))
        : state.purchases,
    adjustmentIds,
  };
}

export function onTierChanged(state: ActiveCustomer, data: EventData<'TierChanged'>): ActiveCustomer {
  return { ...state, tier: { id: data.to, since: data.changedAt, guaranteedUntil: data.guaranteedUntil } };
}

export function onRewardIssued(state: ActiveCustomer, data: EventData<'RewardIssued'>): ActiveCustomer {
  const reward = { rewardId: data.rewardId, rewardCode: data.rewardCode, status: 'issued' as const, issuedAt: data.issuedAt, expiresAt: data.expiresAt };
  return { ...state, rewards: [...state.rewards, reward] };
}

export function onRewardRedeemed(state: ActiveCustomer, data: EventData<'RewardRedeemed'>): ActiveCustomer {
  return {
    ...state,
    rewards: state.rewards.map((reward) => (reward.rewardId === data.rewardId ? { ...reward, status: 'redeemed' as const } : reward)),
  };
}
