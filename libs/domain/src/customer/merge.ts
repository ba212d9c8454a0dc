import type { MergeTransfer } from '../events/customer.events.js';
import { isRewardUsable } from '../program/rewards.js';
import { DomainError } from '../shared/errors.js';
import type { CustomerCommandOf } from './customer.commands.js';
import type { ActiveCustomer, CustomerStreamEvent } from './customer.state.js';
import { record, type CustomerContext, type Decision } from './decision.js';

/** What the duplicate hands over, once its due points have expired: nothing worthless travels. */
export function mergeTransfer(state: ActiveCustomer, now: string): MergeTransfer {
  return {
    lots: state.lots.filter((lot) => lot.remaining > 0).map((lot) => ({ ...lot })),
    debtPoints: state.debtPoints,
    purchases: state.purchases.map((p) => ({ ...p, lines: p.lines.map((line) => ({ ...line })) })),
    rewards: state.rewards.filter((reward) => isRewardUsable(reward, now)).map((reward) => ({ ...reward })),
  };
}

/** On the duplicate: CustomersMerged (role merged) closes it; the survivor absorbs `transferred`. */
export function mergeInto(command: CustomerCommandOf<'MergeInto'>, decision: Decision, context: CustomerContext): CustomerStreamEvent[] {
  const { survivorId } = command.data;
  const { state } = decision;
  if (survivorId === state.customerId) {
    throw new DomainError('merge-not-allowed', 'A customer cannot be merged into itself', { customerId: state.customerId });
  }
  return [
    ...decision.events,
    {
      type: 'CustomersMerged',
      data: {
        survivorId,
        mergedId: state.customerId,
        role: 'merged',
        transferred: mergeTransfer(state, context.now),
        mergedAt: context.now,
      },
    },
  ];
}

/** On the survivor: CustomersMerged (role survivor); the tier review and automatic rewards follow. */
export function absorbCustomer(command: CustomerCommandOf<'AbsorbCustomer'>, decision: Decision): Decision {
  const { mergedId, transferred, mergedAt } = command.data;
  const { state } = decision;
  if (mergedId === state.customerId) {
    throw new DomainError('merge-not-allowed', 'A customer cannot absorb itself', { customerId: state.customerId });
  }
  return record(decision, {
    type: 'CustomersMerged',
    data: { survivorId: state.customerId, mergedId, role: 'survivor', transferred, mergedAt },
  });
}
