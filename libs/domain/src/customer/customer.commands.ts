import { z } from 'zod';
import { LIMITS } from '../events/limits.js';
import { ConsentProof } from '../events/consent.events.js';
import { IdentityKeys, MergeTransferV2, ProfileField } from '../events/customer.events.js';
import {
  BusinessCategory,
  Channel,
  ConsentPurpose,
  CustomerType,
  Id,
  Instant,
  Sealed,
  Source,
  StorableText,
} from '../events/primitives.js';
import { PurchaseRecorded, VisitKind } from '../events/purchase.events.js';

// The commands a customer stream accepts, as the shell validates them at its boundary (HTTP, import).

const Locale = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'a locale such as "fr" or "fr-FR"');

export const InitialConsent = z.strictObject({
  channel: Channel,
  purpose: ConsentPurpose,
  proof: ConsentProof,
  /** Defaults to the enrolment's source. */
  source: Source.optional(),
});

const command = <T extends string, D extends z.ZodType>(type: T, data: D) => z.strictObject({ type: z.literal(type), data });

export const EnrolCustomer = command(
  'EnrolCustomer',
  z.strictObject({
    customerId: Id,
    customerType: CustomerType,
    /** Required for a B2B customer, null for an individual. */
    businessCategory: BusinessCategory.nullable().default(null),
    storeId: Id.nullable(),
    externalId: StorableText.min(1).max(128).nullable().default(null),
    locale: Locale,
    profile: Sealed,
    identityKeys: IdentityKeys,
    source: Source,
    consents: z.array(InitialConsent).default([]),
    /** When the customer joined, when that is not now: history brought in from a till keeps its dates. */
    enrolledAt: Instant.optional(),
  }),
);

/** Omitted fields keep their value. The sealed profile cannot be compared, so the shell names what changed in it. */
export const UpdateProfile = command(
  'UpdateProfile',
  z.strictObject({
    customerType: CustomerType.optional(),
    businessCategory: BusinessCategory.nullable().optional(),
    storeId: Id.nullable().optional(),
    locale: Locale.optional(),
    profile: Sealed.optional(),
    identityKeys: IdentityKeys.optional(),
    changedFields: z.array(ProfileField).default([]),
  }),
);

export const GrantConsent = command(
  'GrantConsent',
  z.strictObject({
    channel: Channel,
    purpose: ConsentPurpose,
    source: Source,
    proof: ConsentProof,
    /** When the customer gave it, if not now (a paper form keyed in later). */
    grantedAt: Instant.optional(),
  }),
);

export const WithdrawConsent = command(
  'WithdrawConsent',
  z.strictObject({
    channel: Channel,
    purpose: ConsentPurpose,
    source: Source,
    proof: ConsentProof,
    reason: StorableText.max(200).nullable().default(null),
    withdrawnAt: Instant.optional(),
  }),
);

export const RecordPurchase = command('RecordPurchase', PurchaseRecorded.extend({ customerId: Id }));

export const RefundPurchase = command(
  'RefundPurchase',
  z.strictObject({
    purchaseId: Id,
    refundId: Id,
    refundedAt: Instant,
    /** Omitted: everything not yet refunded. */
    lines: z
      .array(z.strictObject({ lineNo: z.int().min(1), quantity: z.int().min(1) }))
      .min(1)
      .optional(),
    storeId: Id,
    reason: StorableText.max(200).nullable().default(null),
  }),
);

export const RecordVisit = command(
  'RecordVisit',
  z.strictObject({
    visitId: Id,
    storeId: Id.nullable(),
    kind: VisitKind,
    eventName: StorableText.min(1).max(200).nullable().default(null),
    visitedAt: Instant,
  }),
);

export const RedeemReward = command('RedeemReward', z.strictObject({ redemptionId: Id, rewardCode: Id }));

/** A support correction. A positive one forms a lot that expires like earned points. */
export const AdjustPoints = command(
  'AdjustPoints',
  z.strictObject({
    adjustmentId: Id,
    points: z
      .int()
      .min(-LIMITS.adjustmentPoints)
      .max(LIMITS.adjustmentPoints)
      .refine((n) => n !== 0, 'must not be zero'),
    reason: z.enum(['manual', 'correction']),
    /** The ticket or request behind it. */
    sourceId: StorableText.min(1).max(200).nullable().default(null),
    note: StorableText.max(500).nullable().default(null),
  }),
);

/**
 * Points a campaign grants (a bonus, a challenge's reward): they form a lot that expires like points
 * earned, and the automatic reward follows. Run with a seed derived from the campaign's decision, so
 * that publishing the decision again appends them once.
 */
export const GrantBonusPoints = command(
  'GrantBonusPoints',
  z.strictObject({
    /** The decision's bonus id: the lot is `bonus:<bonusId>`. */
    bonusId: Id,
    points: z.int().min(1).max(1_000_000),
    reason: z.enum(['bonus', 'challenge']),
    /** The campaign that grants them. */
    sourceId: Id,
  }),
);

/** Sent to the duplicate: it closes and hands its loyalty state over. */
export const MergeInto = command('MergeInto', z.strictObject({ survivorId: Id }));

/** Sent to the survivor with what the duplicate handed over (its CustomersMergedV2 "merged" event). */
export const AbsorbCustomer = command(
  'AbsorbCustomer',
  z.strictObject({ mergedId: Id, transferred: MergeTransferV2, mergedAt: Instant }),
);

/** The scheduled sweep: expires due points and reviews the tier. */
export const ReviewCustomer = command('ReviewCustomer', z.strictObject({}));

export const CustomerCommand = z.discriminatedUnion('type', [
  EnrolCustomer,
  UpdateProfile,
  GrantConsent,
  WithdrawConsent,
  RecordPurchase,
  RefundPurchase,
  RecordVisit,
  RedeemReward,
  AdjustPoints,
  GrantBonusPoints,
  MergeInto,
  AbsorbCustomer,
  ReviewCustomer,
]);
export type CustomerCommand = z.infer<typeof CustomerCommand>;
export type CustomerCommandOf<T extends CustomerCommand['type']> = Extract<CustomerCommand, { type: T }>;
