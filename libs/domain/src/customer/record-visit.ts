import { visitPoints } from '../program/visit-points.js';
import { DomainError } from '../shared/errors.js';
import { instantMs } from '../shared/instants.js';
import { addDaysToLocalDate, localDateOf, startOfLocalDay } from '../shared/local-time.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { remembers } from './customer.state.js';
import { record, type CustomerContext, type Decision } from './decision.js';
import { earnPoints } from './points-steps.js';
import { VISIT_POINTS_DAYS } from './retention.js';
import { sumBetween } from './spend.js';

export const visitLotId = (visitId: string): string => `visit:${visitId}`;

/**
 * VisitRecorded, and PointsEarned when its kind earns and the local day's cap is not reached. A visit
 * dated more than VISIT_POINTS_DAYS local days before the decision is recorded without points.
 */
export function recordVisit(command: CustomerCommandOf<'RecordVisit'>, decision: Decision, context: CustomerContext): Decision {
  const visit = command.data;
  const { state } = decision;
  if (remembers(state, 'visit', visit.visitId)) {
    throw new DomainError('visit-already-recorded', `Visit ${visit.visitId} is already recorded`, { visitId: visit.visitId });
  }
  const day = localDateOf(visit.visitedAt, context.timeZone);
  const dayStart = instantMs(startOfLocalDay(day, context.timeZone));
  const nextDayStart = instantMs(startOfLocalDay(addDaysToLocalDate(day, 1), context.timeZone));
  const earnedThatDay = sumBetween(state.earnedVisits, dayStart, nextDayStart - 1);
  const inTime = day >= addDaysToLocalDate(localDateOf(context.now, context.timeZone), -VISIT_POINTS_DAYS);
  const points = inTime ? visitPoints(context.program.definition.earn, visit.kind, earnedThatDay) : 0;

  const recorded = record(decision, { type: 'VisitRecorded', data: { customerId: state.customerId, ...visit } });
  return earnPoints(
    recorded,
    {
      lotId: visitLotId(visit.visitId),
      points,
      reason: 'visit',
      sourceId: visit.visitId,
      basis: { visitPoints: points, earnedVisitsThatDay: earnedThatDay, maxPerDay: context.program.definition.earn.visits?.maxPerDay ?? 0 },
      earnedAt: visit.visitedAt,
    },
    context,
  );
}
