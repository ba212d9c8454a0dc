import { z } from 'zod';
import { CurrencyCode } from './currency.js';
import { IssuedReward, PointsLot, PurchaseRecord } from './loyalty-state.js';
import { BusinessCategory, CustomerType, Id, IdentityHash, Instant, PointsHeld, Sealed, SignedCents, Source, StorableText } from './primitives.js';

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

/**
 * What a merged customer handed over in CustomersMerged (version 1): its loyalty state as the decider
 * held it then, every purchase included. Superseded by MergeTransferV2; kept to read stored events.
 */
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
 * Version 1 of CustomersMerged, as stored before version 2: read through its upcaster
 * (events/upcasters.ts), never decided any more.
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

/** A day's net spend (purchases minus refunds), dated at the start of that local day. */
export const SpendDay = z.object({ at: Instant, cents: SignedCents }).strict();
export type SpendDay = z.infer<typeof SpendDay>;

/**
 * What a merged customer hands over to the survivor, and nothing more: what the survivor's future
 * decisions need.
 * - `lots`: the points lots with points left, each with its expiry (they keep burning in order);
 * - `debtPoints`: points owed from clawbacks, repaid by the survivor's next points;
 * - `refundablePurchases`: the purchases whose refund window is still open, with what was refunded and
 *   the points taken back so far, so that a refund after the merge takes back the right points;
 * - `spend`: the net spend per local day inside the tier window at the merge, for the survivor's tier;
 * - `rewards`: the rewards still usable.
 * Not handed over: the tier (the survivor's is reviewed on the combined spend), consents (they carry
 * their own proof and stay with the record they were given on), visits, and the ids of what the
 * duplicate recorded (they stay unique through its own stream and the purchase locator).
 */
export const MergeTransferV2 = z
  .object({
    lots: z.array(PointsLot),
    debtPoints: PointsHeld,
    refundablePurchases: z.array(PurchaseRecord),
    spend: z.array(SpendDay),
    rewards: z.array(IssuedReward),
  })
  .strict();
export type MergeTransferV2 = z.infer<typeof MergeTransferV2>;

/**
 * Appended to both streams of a merge: on the duplicate with role "merged" (it is closed and hands
 * over `transferred`), then on the survivor with role "survivor" (it takes `transferred` in).
 */
export const CustomersMergedV2 = z
  .object({
    survivorId: Id,
    mergedId: Id,
    role: z.enum(['survivor', 'merged']),
    /** The merchant's currency, the one of every amount handed over (purchases, spend, rewards). */
    currency: CurrencyCode,
    transferred: MergeTransferV2,
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
