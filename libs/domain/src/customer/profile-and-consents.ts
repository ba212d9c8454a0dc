import { DomainError } from '../shared/errors.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { record, type CustomerContext, type Decision } from './decision.js';
import { checkBusinessCategory } from './enrol-customer.js';

/** CustomerProfileUpdated with the whole profile after the change; nothing when nothing changed. */
export function updateProfile(command: CustomerCommandOf<'UpdateProfile'>, decision: Decision, context: CustomerContext): Decision {
  const { state } = decision;
  const change = command.data;
  const next = {
    customerType: change.customerType ?? state.customerType,
    businessCategory: change.businessCategory === undefined ? state.businessCategory : change.businessCategory,
    storeId: change.storeId === undefined ? state.storeId : change.storeId,
    locale: change.locale ?? state.locale,
    profile: change.profile ?? state.profile,
    identityKeys: change.identityKeys ?? state.identityKeys,
  };
  if (change.changedFields.length > 0 && change.profile === undefined) {
    throw new DomainError('invalid-command', 'profile: required when changedFields names a changed field', { path: 'profile' });
  }
  checkBusinessCategory(next.customerType, next.businessCategory);
  // A sealed profile is re-encrypted on every write: only changedFields says whether its content changed.
  const unchanged =
    change.changedFields.length === 0 &&
    next.customerType === state.customerType &&
    next.businessCategory === state.businessCategory &&
    next.storeId === state.storeId &&
    next.locale === state.locale &&
    next.identityKeys.email === state.identityKeys.email &&
    next.identityKeys.phone === state.identityKeys.phone;
  if (unchanged) return decision;
  return record(decision, {
    type: 'CustomerProfileUpdated',
    data: { customerId: state.customerId, ...next, changedFields: [...new Set(change.changedFields)], updatedAt: context.now },
  });
}

/** Always recorded, even when it changes nothing: each grant is evidence of consent. */
export function grantConsent(command: CustomerCommandOf<'GrantConsent'>, decision: Decision, context: CustomerContext): Decision {
  const { grantedAt, ...data } = command.data;
  return record(decision, {
    type: 'ConsentGranted',
    data: { customerId: decision.state.customerId, ...data, grantedAt: grantedAt ?? context.now },
  });
}

export function withdrawConsent(command: CustomerCommandOf<'WithdrawConsent'>, decision: Decision, context: CustomerContext): Decision {
  const { withdrawnAt, ...data } = command.data;
  return record(decision, {
    type: 'ConsentWithdrawn',
    data: { customerId: decision.state.customerId, ...data, withdrawnAt: withdrawnAt ?? context.now },
  });
}
