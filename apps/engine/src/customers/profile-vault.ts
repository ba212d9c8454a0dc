import { Inject, Injectable } from '@nestjs/common';
import { formatConfigPath, unstorableParts, type IdentityKeys, type ProfileField } from '@relance/domain';
import { KEY_STORE, type CustomerKeyStore, type IdentityIndex } from '@relance/platform';
import { IDENTITY_INDEX } from '../engine.tokens.js';
import { RequestRejected } from '../write-path/application-errors.js';
import { normaliseEmail, normalisePhone } from './identity.js';
import type { PostalAddress, ProfileChange, ProfileInput } from './customer.schemas.js';

/** A profile in clear: it only ever exists in memory, on its way in or out of a sealed event. */
export interface ClearProfile {
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly companyName: string | null;
  /** Lower-cased and trimmed. */
  readonly email: string | null;
  /** E.164. */
  readonly phone: string | null;
  readonly postalAddress: PostalAddress | null;
  readonly birthDate: string | null;
}

const FIELDS = ['firstName', 'lastName', 'companyName', 'email', 'phone', 'postalAddress', 'birthDate'] as const satisfies readonly ProfileField[];

export const EMPTY_PROFILE: ClearProfile = {
  firstName: null,
  lastName: null,
  companyName: null,
  email: null,
  phone: null,
  postalAddress: null,
  birthDate: null,
};

/** The profile as the API received it, identities normalised. */
export function clearProfileOf(input: ProfileInput | ProfileChange, base: ClearProfile = EMPTY_PROFILE): ClearProfile {
  const pick = <K extends keyof ClearProfile>(key: K, value: ClearProfile[K] | undefined): ClearProfile[K] => (value === undefined ? base[key] : value);
  return {
    firstName: pick('firstName', input.firstName),
    lastName: pick('lastName', input.lastName),
    companyName: pick('companyName', input.companyName),
    email: pick('email', input.email === undefined || input.email === null ? input.email : normaliseEmail(input.email)),
    phone: pick('phone', input.phone === undefined || input.phone === null ? input.phone : normalisePhone(input.phone)),
    postalAddress: pick('postalAddress', input.postalAddress),
    birthDate: pick('birthDate', input.birthDate),
  };
}

export function changedFields(before: ClearProfile, after: ClearProfile): ProfileField[] {
  return FIELDS.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
}

/**
 * Seals and opens personal data with each customer's own key (KEY_STORE), and computes the blind
 * index of its identities. Nothing personal reaches an event any other way.
 */
@Injectable()
export class ProfileVault {
  constructor(
    @Inject(KEY_STORE) private readonly keys: CustomerKeyStore,
    @Inject(IDENTITY_INDEX) private readonly index: IdentityIndex,
  ) {}

  /**
   * The projector opens what is sealed here into read-model columns: text PostgreSQL cannot store is
   * refused (with its path under `field`) even if a request schema let it through.
   */
  seal(merchantId: string, customerId: string, value: unknown, field = 'profile'): Promise<string> {
    const unstorable = unstorableParts(value, [field]);
    if (unstorable.length > 0) throw new RequestRejected(unstorable.map((u) => ({ path: formatConfigPath(u.path), message: u.reason })));
    return this.keys.seal(merchantId, customerId, value);
  }

  /** Null when the customer's key was destroyed (erased). */
  open(merchantId: string, customerId: string, sealed: string): Promise<ClearProfile | null> {
    return this.keys.open<ClearProfile>(merchantId, customerId, sealed);
  }

  identityKeys(merchantId: string, profile: Pick<ClearProfile, 'email' | 'phone'>): IdentityKeys {
    return {
      email: profile.email ? this.index.hash(merchantId, 'email', profile.email) : null,
      phone: profile.phone ? this.index.hash(merchantId, 'phone', profile.phone) : null,
    };
  }
}
