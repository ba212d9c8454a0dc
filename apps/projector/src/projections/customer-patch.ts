import { adultSince, birthdayOf, type Channel } from '@relance/domain';
import type { ProfileFacts, ProjectedEvent, ProjectedEventOf, ProjectionContext } from '../projection.js';

/** What one batch changes on one customer row, folded from the customer stream's events in order. */
export interface CustomerPatch {
  merchantId: string;
  customerId: string;
  fromRevision: bigint;
  toRevision: bigint;
  updatedAt: string;
  profile: ProfileColumns | null;
  scrub: boolean;
  consents: Partial<Record<Channel, boolean>>;
  tier: string | null;
  tierSince: string | null;
  pointsDelta: number;
  pointsReset: boolean;
  status: 'merged' | 'erased' | null;
  mergedInto: string | null;
  erasedAt: string | null;
}

export interface ProfileColumns {
  customerType: string;
  businessCategory: string | null;
  storeId: string | null;
  locale: string;
  emailKey: string | null;
  phoneKey: string | null;
  personal: PersonalColumns;
}

/**
 * The personal part of a customers row: the profile sealed as the event carries it (same customer
 * key, same blob: destroying the key makes this copy unreadable too), the two facts time-based rules
 * query in clear, neither of which alone or together gives the birth date away, and whether a letter
 * can reach the customer, which says nothing of where they live.
 */
export interface PersonalColumns {
  readonly sealed: string | null;
  /** MM-DD. */
  readonly birthday: string | null;
  /** See `adultSince` (libs/domain): a date the customer was certainly of age, never before their 18th birthday. */
  readonly adultSince: string | null;
  /** The sealed profile holds a complete postal address (street line, postal code, city). */
  readonly postalReachable: boolean;
}

export const UNREADABLE: ProfileFacts = { readable: false, birthDate: null, postalReachable: false };

const NO_PERSONAL_DATA: PersonalColumns = { sealed: null, birthday: null, adultSince: null, postalReachable: false };

export function personalColumnsOf(event: ProjectedEventOf<'CustomerEnrolled' | 'CustomerProfileUpdated'>, context: ProjectionContext): PersonalColumns {
  const { birthDate, postalReachable } = context.profileOf(event.metadata.eventId);
  if (birthDate === null) return { sealed: event.data.profile, birthday: null, adultSince: null, postalReachable };
  // The later of business and recording time: an import dated years back still knows today's age.
  const { occurredAt, recordedAt } = event.metadata;
  const knownAt = Date.parse(recordedAt) > Date.parse(occurredAt) ? recordedAt : occurredAt;
  return {
    sealed: event.data.profile,
    birthday: birthdayOf(birthDate),
    adultSince: adultSince(birthDate, context.localDate(event.metadata.merchantId, knownAt)),
    postalReachable,
  };
}

export function emptyPatch(event: ProjectedEvent, customerId: string): CustomerPatch {
  return {
    merchantId: event.metadata.merchantId,
    customerId,
    fromRevision: event.streamPosition,
    toRevision: event.streamPosition,
    updatedAt: event.metadata.occurredAt,
    profile: null,
    scrub: false,
    consents: {},
    tier: null,
    tierSince: null,
    pointsDelta: 0,
    pointsReset: false,
    status: null,
    mergedInto: null,
    erasedAt: null,
  };
}

/** Folds one customer-stream event into the patch. */
export function foldIntoPatch(patch: CustomerPatch, event: ProjectedEvent, context: ProjectionContext): void {
  patch.toRevision = event.streamPosition;
  patch.updatedAt = event.metadata.occurredAt;
  switch (event.type) {
    case 'CustomerProfileUpdated': {
      const d = event.data;
      patch.profile = {
        customerType: d.customerType,
        businessCategory: d.businessCategory,
        storeId: d.storeId,
        locale: d.locale,
        emailKey: d.identityKeys.email,
        phoneKey: d.identityKeys.phone,
        personal: personalColumnsOf(event, context),
      };
      return;
    }
    case 'ConsentGranted':
    case 'ConsentWithdrawn':
      if (event.data.purpose === 'marketing') patch.consents[event.data.channel] = event.type === 'ConsentGranted';
      return;
    case 'TierChanged':
      patch.tier = event.data.to;
      patch.tierSince = event.data.changedAt;
      return;
    case 'PointsEarned':
      patch.pointsDelta += event.data.points;
      return;
    case 'PointsRedeemed':
    case 'PointsExpired':
      patch.pointsDelta -= event.data.points;
      return;
    case 'PointsAdjusted':
      patch.pointsDelta += event.data.points;
      return;
    case 'CustomersMergedV2': {
      const { role, transferred, survivorId } = event.data;
      if (role === 'survivor') {
        patch.pointsDelta += transferred.lots.reduce((sum, lot) => sum + lot.remaining, 0) - transferred.debtPoints;
      } else {
        // The duplicate handed everything over: it holds nothing from now on.
        patch.pointsReset = true;
        patch.pointsDelta = 0;
        patch.status = 'merged';
        patch.mergedInto = survivorId;
      }
      return;
    }
    case 'CustomerErased':
      patch.status = 'erased';
      patch.erasedAt = event.data.erasedAt;
      patch.scrub = true;
      patch.profile = patch.profile ? { ...patch.profile, emailKey: null, phoneKey: null, personal: NO_PERSONAL_DATA } : null;
      patch.consents = { email: false, sms: false, rcs: false, postal: false };
      return;
    default:
      return;
  }
}
