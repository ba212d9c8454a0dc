import { lotExpiresAt } from '../program/lot-expiry.js';
import { planDebit } from '../program/points-lots.js';
import { DomainError } from '../shared/errors.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { remembers } from './customer.state.js';
import { requireRoomForPoints } from './points-steps.js';
import { record, type CustomerContext, type Decision } from './decision.js';

export const adjustmentLotId = (adjustmentId: string): string => `adjustment:${adjustmentId}`;

/**
 * A support correction. Positive: a lot expiring like points earned today. Negative: debited
 * first-expiring-first, the rest as debt. Outstanding debt is left to the next points earned.
 */
export function adjustPoints(command: CustomerCommandOf<'AdjustPoints'>, decision: Decision, context: CustomerContext): Decision {
  const { adjustmentId, points, reason, sourceId, note } = command.data;
  const { state } = decision;
  if (remembers(state, 'adjustment', adjustmentId)) {
    throw new DomainError('adjustment-already-recorded', `Adjustment ${adjustmentId} is already recorded`, { adjustmentId });
  }
  const common = { customerId: state.customerId, adjustmentId, points, reason, sourceId, note, adjustedAt: context.now };
  if (points > 0) {
    requireRoomForPoints(state, points);
    return record(decision, {
      type: 'PointsAdjusted',
      data: {
        ...common,
        lots: [],
        debtPoints: 0,
        lotId: adjustmentLotId(adjustmentId),
        expiresAt: lotExpiresAt(context.now, context.program.definition.expiry, context.timeZone),
      },
    });
  }
  const plan = planDebit(state.lots, -points);
  return record(decision, {
    type: 'PointsAdjusted',
    data: { ...common, lots: plan.debits, debtPoints: plan.shortfall, lotId: null, expiresAt: null },
  });
}
