import type { ActiveProgram } from '../program/program.schema.js';
import { assertNever } from '../shared/decider.js';
import { DomainError } from '../shared/errors.js';
import { evolveCustomer } from './customer.evolve.js';
import type { ActiveCustomer, CustomerState, CustomerStreamEvent } from './customer.state.js';

/** What a customer decision needs besides the command: the time, the merchant's zone and currency, the rules in force. */
export interface CustomerContext {
  /** ISO-8601 UTC. */
  readonly now: string;
  /** IANA zone of the merchant, e.g. Europe/Paris. */
  readonly timeZone: string;
  /** ISO 4217 code of the merchant's currency: every amount event it decides says it. */
  readonly currency: string;
  readonly program: ActiveProgram;
}

/**
 * A decision under way: the events decided so far and the state they lead to, so that each step
 * (expiry, earning, tier review, automatic rewards) reads the truth left by the previous one.
 */
export interface Decision {
  readonly state: ActiveCustomer;
  readonly events: readonly CustomerStreamEvent[];
}

/** What a whole decision comes to: the events to append and the state they lead to (no need to fold them again). */
export interface DecisionOutcome {
  readonly events: CustomerStreamEvent[];
  readonly state: CustomerState;
}

export function startDecision(state: ActiveCustomer): Decision {
  return { state, events: [] };
}

export function record(decision: Decision, ...events: CustomerStreamEvent[]): Decision {
  let state: CustomerState = decision.state;
  for (const event of events) state = evolveCustomer(state, event);
  if (state.status !== 'active') throw new Error(`A decision step closed the customer (${state.status})`);
  return { state, events: [...decision.events, ...events] };
}

/** The customer must be enrolled and still its own: merged and erased customers accept nothing. */
export function requireActive(state: CustomerState): ActiveCustomer {
  switch (state.status) {
    case 'active':
      return state;
    case 'unknown':
      throw new DomainError('customer-not-found', 'No such customer');
    case 'merged':
      throw new DomainError('customer-merged', `Customer ${state.customerId} was merged into ${state.survivorId}`, {
        customerId: state.customerId,
        survivorId: state.survivorId,
      });
    case 'erased':
      throw new DomainError('customer-erased', `Customer ${state.customerId} was erased`, { customerId: state.customerId });
    default:
      return assertNever(state, 'customer status');
  }
}
