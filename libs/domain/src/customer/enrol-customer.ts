import { DomainError } from '../shared/errors.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { evolveCustomer } from './customer.evolve.js';
import type { CustomerState, CustomerStreamEvent } from './customer.state.js';
import { record, requireActive, type CustomerContext, type Decision, type DecisionOutcome } from './decision.js';
import { reviewTier } from './tier-review.js';

/** A business category says what kind of business a B2B customer is; an individual has none. */
export function checkBusinessCategory(customerType: 'b2c' | 'b2b', businessCategory: string | null): void {
  if (customerType === 'b2b' && businessCategory === null) {
    throw new DomainError('invalid-command', 'businessCategory: required for a B2B customer', { path: 'businessCategory' });
  }
  if (customerType === 'b2c' && businessCategory !== null) {
    throw new DomainError('invalid-command', 'businessCategory: only for a B2B customer', { path: 'businessCategory' });
  }
}

/** CustomerEnrolled, the initial consents, and the first tier (from null, up). */
export function enrolCustomer(
  command: CustomerCommandOf<'EnrolCustomer'>,
  state: CustomerState,
  context: CustomerContext,
): DecisionOutcome {
  const { consents, enrolledAt: joinedAt, ...data } = command.data;
  // A customer brought in from a till's history joined back then; the opt-ins on its card date from then too.
  const enrolledAt = joinedAt ?? context.now;
  if (state.status === 'active') {
    throw new DomainError('customer-already-enrolled', `Customer ${state.customerId} is already enrolled`, { customerId: state.customerId });
  }
  if (state.status !== 'unknown') requireActive(state);
  checkBusinessCategory(data.customerType, data.businessCategory);

  const enrolled: CustomerStreamEvent = { type: 'CustomerEnrolled', data: { ...data, enrolledAt } };
  const active = requireActive(evolveCustomer(state, enrolled));
  let decision: Decision = { state: active, events: [enrolled] };
  for (const consent of consents) {
    decision = record(decision, {
      type: 'ConsentGranted',
      data: {
        customerId: data.customerId,
        channel: consent.channel,
        purpose: consent.purpose,
        source: consent.source ?? data.source,
        proof: consent.proof,
        grantedAt: enrolledAt,
      },
    });
  }
  const reviewed = reviewTier(decision, context);
  return { events: [...reviewed.events], state: reviewed.state };
}
