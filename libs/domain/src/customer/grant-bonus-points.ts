import type { CustomerCommandOf } from './customer.commands.js';
import { type CustomerContext, type Decision } from './decision.js';
import { earnPoints } from './points-steps.js';

export const bonusLotId = (bonusId: string): string => `bonus:${bonusId}`;

/** A campaign's bonus points: earned now, repaying any debt first, in a lot that expires like the others. */
export function grantBonusPoints(command: CustomerCommandOf<'GrantBonusPoints'>, decision: Decision, context: CustomerContext): Decision {
  const { bonusId, points, reason, sourceId } = command.data;
  return earnPoints(decision, { lotId: bonusLotId(bonusId), points, reason, sourceId, basis: { [reason]: points }, earnedAt: context.now }, context);
}
