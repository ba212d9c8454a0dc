import { visitPoints } from '../program/visit-points.js';
import { DomainError } from '../shared/errors.js';
import { localDateOf } from '../shared/local-time.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { record, type CustomerContext, type Decision } from './decision.js';
import { earnPoints } from './points-steps.js';

export const visitLotId = (visitId: string): string => `visit:${visitId}`;

/** VisitRecorded, and PointsEarned when its kind earns and the local day's cap is not reached. */
export function recordVisit(command: CustomerCommandOf<'RecordVisit'>, decision: Decision, context: CustomerContext): Decision {
  const visit = command.data;
  const { state } = decision;
  if (state.visits.some((v) => v.visitId === visit.visitId)) {
    throw new DomainError('visit-already-recorded', `Visit ${visit.visitId} is already recorded`, { visitId: visit.visitId });
  }
  const day = localDateOf(visit.visitedAt, context.timeZone);
  const earnedThatDay = state.visits.filter((v) => v.earnedPoints && localDateOf(v.visitedAt, context.timeZone) === day).length;
  const points = visitPoints(context.program.definition.earn, visit.kind, earnedThatDay);

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
