import { assertNever, type Decider } from '../shared/decider.js';
import { absorbCustomer, mergeInto } from './merge.js';
import { adjustPoints } from './adjust-points.js';
import { grantBonusPoints } from './grant-bonus-points.js';
import { issueAutomaticRewards } from './automatic-rewards.js';
import type { CustomerCommand } from './customer.commands.js';
import { evolveCustomer } from './customer.evolve.js';
import { initialCustomerState, remembers, type CustomerState, type CustomerStreamEvent } from './customer.state.js';
import { requireActive, startDecision, type CustomerContext, type Decision, type DecisionOutcome } from './decision.js';
import { enrolCustomer } from './enrol-customer.js';
import { expireDuePoints } from './points-steps.js';
import { grantConsent, updateProfile, withdrawConsent } from './profile-and-consents.js';
import { recordPurchase } from './record-purchase.js';
import { recordVisit } from './record-visit.js';
import { redeemReward } from './redeem-reward.js';
import { refundPurchase } from './refund-purchase.js';
import { covers, retentionOf } from './retention.js';
import { closeDecision } from './tier-review.js';

type StepCommand = Exclude<CustomerCommand, { type: 'EnrolCustomer' | 'MergeInto' }>;

/**
 * Decides a command on a customer stream, and the state its events lead to. On an active customer
 * every decision opens with PointsExpired for lots due at `now` and closes with the tier review, so
 * balances and tiers are judged on the truth; decisions that add points then issue the program's
 * automatic reward. The program is only read for new decisions: past points are in the events.
 */
export function decideCustomerOutcome(command: CustomerCommand, state: CustomerState, context: CustomerContext): DecisionOutcome {
  if (command.type === 'EnrolCustomer') return enrolCustomer(command, state, context);
  const active = requireActive(state);
  if (!covers(active.retention, retentionOf(context.program.definition))) {
    // The engine folds again under the program in force before it decides: reaching this is a bug.
    throw new Error(`Customer ${active.customerId}: the state keeps less history than the program in force needs`);
  }
  if (command.type === 'AbsorbCustomer' && remembers(active, 'absorbed', command.data.mergedId)) return { events: [], state };
  const opened = expireDuePoints(startDecision(active), context);
  if (command.type === 'MergeInto') return mergeInto(command, opened, context);
  const closed = closeDecision(applyCommand(command, opened, context), context);
  const cause = automaticRewardCause(command);
  const done = cause === null ? closed : issueAutomaticRewards(closed, context, cause);
  return { events: [...done.events], state: done.state };
}

/** The events only (the decider's contract). */
export function decideCustomer(command: CustomerCommand, state: CustomerState, context: CustomerContext): CustomerStreamEvent[] {
  return decideCustomerOutcome(command, state, context).events;
}

function applyCommand(command: StepCommand, decision: Decision, context: CustomerContext): Decision {
  switch (command.type) {
    case 'UpdateProfile':
      return updateProfile(command, decision, context);
    case 'GrantConsent':
      return grantConsent(command, decision, context);
    case 'WithdrawConsent':
      return withdrawConsent(command, decision, context);
    case 'RecordPurchase':
      return recordPurchase(command, decision, context);
    case 'RefundPurchase':
      return refundPurchase(command, decision, context);
    case 'RecordVisit':
      return recordVisit(command, decision, context);
    case 'RedeemReward':
      return redeemReward(command, decision, context);
    case 'AdjustPoints':
      return adjustPoints(command, decision, context);
    case 'GrantBonusPoints':
      return grantBonusPoints(command, decision, context);
    case 'AbsorbCustomer':
      return absorbCustomer(command, decision, context);
    case 'ReviewCustomer':
      return decision;
    default:
      return assertNever(command, 'customer command');
  }
}

/** The id automatic rewards derive theirs from, for the commands that can add points. */
function automaticRewardCause(command: StepCommand): string | null {
  switch (command.type) {
    case 'RecordPurchase':
      return command.data.purchaseId;
    case 'RecordVisit':
      return command.data.visitId;
    case 'AdjustPoints':
      return command.data.points > 0 ? command.data.adjustmentId : null;
    case 'GrantBonusPoints':
      return command.data.bonusId;
    case 'AbsorbCustomer':
      return `merge-${command.data.mergedId}`;
    case 'UpdateProfile':
    case 'GrantConsent':
    case 'WithdrawConsent':
    case 'RefundPurchase':
    case 'RedeemReward':
    case 'ReviewCustomer':
      return null;
    default:
      return assertNever(command, 'customer command');
  }
}

/**
 * The customer decider with nothing forgotten (its initial state has no retention): what the
 * given/when/then specs fold. The engine folds with `customerFolder`, which keeps only what the
 * program in force needs.
 */
export const customerDecider: Decider<CustomerState, CustomerCommand, CustomerStreamEvent, CustomerContext> = {
  initialState: initialCustomerState,
  evolve: evolveCustomer,
  decide: decideCustomer,
};
