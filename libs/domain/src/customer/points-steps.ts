import { LIMITS } from '../events/limits.js';
import type { EARN_REASONS } from '../events/loyalty.events.js';
import { lotExpiresAt } from '../program/lot-expiry.js';
import { lotsDueToExpire } from '../program/points-lots.js';
import { DomainError } from '../shared/errors.js';
import type { ActiveCustomer } from './customer.state.js';
import type { CustomerContext, Decision } from './decision.js';
import { record } from './decision.js';

/** Every decision starts here, so that balance checks never count points whose time is up. */
export function expireDuePoints(decision: Decision, context: CustomerContext): Decision {
  const due = lotsDueToExpire(decision.state.lots, context.now);
  return record(
    decision,
    ...due.map((lot) => ({
      type: 'PointsExpired' as const,
      data: {
        customerId: decision.state.customerId,
        lotId: lot.lotId,
        points: lot.remaining,
        // The business time of the expiry, which may be earlier than the decision that notices it.
        expiredAt: lot.expiresAt ?? context.now,
      },
    })),
  );
}

export interface Earning {
  readonly lotId: string;
  readonly points: number;
  readonly reason: (typeof EARN_REASONS)[number];
  readonly sourceId: string;
  readonly basis: Record<string, number>;
  /** Business time of what earned them: the lot expires from its local date. */
  readonly earnedAt: string;
}

/**
 * Points a customer is about to receive in one movement must fit LIMITS: one movement, and what their
 * lots hold afterwards. Beyond them the command is refused (an extreme program or a huge ticket),
 * rather than decided into events the catalog and the read models could not hold.
 */
export function requireRoomForPoints(state: ActiveCustomer, points: number): void {
  if (points > LIMITS.pointsPerMovement) {
    throw new DomainError('points-limit-exceeded', `${points} points at once is above the limit of ${LIMITS.pointsPerMovement}`, {
      points,
      limit: LIMITS.pointsPerMovement,
    });
  }
  const held = state.lots.points;
  if (held + points > LIMITS.balancePoints) {
    throw new DomainError('points-limit-exceeded', `${held} points held and ${points} more is above the limit of ${LIMITS.balancePoints}`, {
      held,
      points,
      limit: LIMITS.balancePoints,
    });
  }
}

/** Records PointsEarned (nothing for 0 points); points repay any debt before they form the lot. */
export function earnPoints(decision: Decision, earning: Earning, context: CustomerContext): Decision {
  if (earning.points <= 0) return decision;
  requireRoomForPoints(decision.state, earning.points);
  const { program, timeZone } = context;
  return record(decision, {
    type: 'PointsEarned',
    data: {
      customerId: decision.state.customerId,
      lotId: earning.lotId,
      points: earning.points,
      debtRepaid: Math.min(decision.state.debtPoints, earning.points),
      reason: earning.reason,
      sourceId: earning.sourceId,
      programVersion: program.version,
      basis: earning.basis,
      earnedAt: earning.earnedAt,
      expiresAt: lotExpiresAt(earning.earnedAt, program.definition.expiry, timeZone),
    },
  });
}
