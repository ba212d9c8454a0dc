import { z } from 'zod';
import { BusinessCategory, CustomerType, Id, IdentityHash, Instant, Sealed, Source, StorableText } from './primitives.js';
import { IssuedReward, PointsLot, PurchaseRecord } from './loyalty-state.js';
import { PointsHeld } from './primitives.js';

export const IdentityKeys = z
  .object({ email: IdentityHash.nullable(), phone: IdentityHash.nullable() })
  .strict();
export type IdentityKeys = z.infer<typeof IdentityKeys>;

/** The fields of a profile; their values only ever travel sealed. */
export const PROFILE_FIELDS = ['firstName', 'lastName', 'companyName', 'email', 'phone', 'postalAddress', 'birthDate'] as const;
export const ProfileField = z.enum(PROFILE_FIELDS);
export type ProfileField = z.infer<typeof ProfileField>;

export const CustomerEnrolled = z
  .object({
    customerId: Id,
    customerType: CustomerType,
    /** Required for B2B customers, null for individuals. */
    businessCategory: BusinessCategory.nullable(),
    storeId: Id.nullable(),
    externalId: StorableText.min(1).max(128).nullable(),
    locale: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/),
    profile: Sealed,
    identityKeys: IdentityKeys,
    source: Source,
    enrolledAt: Instant,
  })
  .strict();

export const CustomerProfileUpdated = z
  .object({
    customerId: Id,
    customerType: CustomerType,
    businessCategory: BusinessCategory.nullable(),
    storeId: Id.nullable(),
    locale: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/),
    /** The whole profile after the change, sealed. */
    profile: Sealed,
    identityKeys: IdentityKeys,
    /** Names of the fields that changed (never their values). */
    changedFields: z.array(ProfileField),
    updatedAt: Instant,
  })
  .strict();

/** What a merged customer hands over to the survivor: the loyalty state that must not be lost. */
export const MergeTransfer = z
  .object({
    lots: z.array(PointsLot),
    debtPoints: PointsHeld,
    purchases: z.array(PurchaseRecord),
    rewards: z.array(IssuedReward),
  })
  .strict();
export type MergeTransfer = z.infer<typeof MergeTransfer>;

/**
 * Appended to both streams of a merge: on the duplicate with role "merged" (it is closed and hands
 * over `transferred`), then on the survivor with role "survivor" (it takes `transferred` in).
 */
export const CustomersMerged = z
  .object({
    survivorId: Id,
    mergedId: Id,
    role: z.enum(['survivor', 'merged']),
    transferred: MergeTransfer,
    mergedAt: Instant,
  })
  .strict();

export const CustomerErased = z
  .object({
    customerId: Id,
    reason: z.enum(['request', 'retention']),
    erasedAt: Instant,
  })
  .strict();
