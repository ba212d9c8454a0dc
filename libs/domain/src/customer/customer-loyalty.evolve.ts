import type { EventData } from '../events/catalog.js';
import type { PointsLot } from '../events/loyalty-state.js';
import { addLot, debitLots } from '../program/points-lots.js';
import { lineBasisKey, lineItemPointsKey } from '../program/purchase-points.js';
import { remember, type ActiveCustomer } from './customer.state.js';
import { updatePurchase } from './open-purchases.js';
import { later } from './retention.js';
import { heldReward, withReward } from './reward-book.js';
import { addSpend } from './spend.js';

// How the points events change an active customer. Each returns a new state; nothing is mutated.

export function onPointsEarned(state: ActiveCustomer, data: EventData<'PointsEarned'>): ActiveCustomer {
  const lot: PointsLot = { lotId: data.lotId, remaining: data.points - data.debtRepaid, earnedAt: data.earnedAt, expiresAt: data.expiresAt };
  return {
    ...state,
    lots: addLot(state.lots, lot),
    debtPoints: Math.max(0, state.debtPoints - data.debtRepaid),
    purchases:
      data.reason === 'purchase'
        ? updatePurchase(state.purchases, data.sourceId, (record) => ({
            ...record,
            pointsEarned: record.pointsEarned + data.points,
            lotId: data.lotId,
            lines: record.lines.map((line) => {
              const itemPoints = data.basis[lineItemPointsKey(line.lineNo)];
              return { ...line, basisCents: data.basis[lineBasisKey(line.lineNo)] ?? line.basisCents, ...(itemPoints ? { itemPoints } : {}) };
            }),
          }))
        : state.purchases,
    // A visit's points are earned at the visit's time: the daily cap counts them.
    earnedVisits: data.reason === 'visit' ? addSpend(state.earnedVisits, data.earnedAt, 1) : state.earnedVisits,
  };
}

export function onPointsRedeemed(state: ActiveCustomer, data: EventData<'PointsRedeemed'>): ActiveCustomer {
  return {
    ...state,
    clock: later(state.clock, data.redeemedAt),
    lots: debitLots(state.lots, data.lots),
    ids: remember(state.ids, 'reward', data.redemptionId),
  };
}

export function onPointsExpired(state: ActiveCustomer, data: EventData<'PointsExpired'>): ActiveCustomer {
  return { ...state, clock: later(state.clock, data.expiredAt), lots: debitLots(state.lots, [{ lotId: data.lotId, points: data.points }]) };
}

export function onPointsAdjusted(state: ActiveCustomer, data: EventData<'PointsAdjusted'>): ActiveCustomer {
  const common = { ...state, clock: later(state.clock, data.adjustedAt), ids: remember(state.ids, 'adjustment', data.adjustmentId) };
  if (data.points > 0) {
    const lot: PointsLot = {
      lotId: data.lotId ?? data.adjustmentId,
      remaining: data.points,
      earnedAt: data.adjustedAt,
      expiresAt: data.expiresAt,
    };
    return { ...common, lots: addLot(state.lots, lot) };
  }
  return {
    ...common,
    lots: debitLots(state.lots, data.lots),
    debtPoints: state.debtPoints + data.debtPoints,
    purchases:
      data.reason === 'refund'
        ? updatePurchase(state.purchases, data.sourceId, (record) => ({ ...record, pointsTakenBack: record.pointsTakenBack - data.points }))
        : state.purchases,
  };
}

export function onTierChanged(state: ActiveCustomer, data: EventData<'TierChanged'>): ActiveCustomer {
  return { ...state, clock: later(state.clock, data.changedAt), tier: { id: data.to, since: data.changedAt, guaranteedUntil: data.guaranteedUntil } };
}

export function onRewardIssued(state: ActiveCustomer, data: EventData<'RewardIssued'>): ActiveCustomer {
  const reward = { rewardId: data.rewardId, rewardCode: data.rewardCode, status: 'issued' as const, issuedAt: data.issuedAt, expiresAt: data.expiresAt };
  return { ...state, clock: later(state.clock, data.issuedAt), rewards: withReward(state.rewards, reward), ids: remember(state.ids, 'reward', data.rewardId) };
}

export function onRewardRedeemed(state: ActiveCustomer, data: EventData<'RewardRedeemed'>): ActiveCustomer {
  const reward = heldReward(state.rewards, data.rewardId);
  return {
    ...state,
    rewards: reward ? withReward(state.rewards, { ...reward, status: 'redeemed' }, data.redeemedAt) : state.rewards,
    ids: remember(state.ids, 'used-reward', data.rewardId),
  };
}
