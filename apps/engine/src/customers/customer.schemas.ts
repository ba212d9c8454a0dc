import { z } from 'zod';
import { BusinessCategory, Channel, ConsentPurpose, CustomerType, Id, LIMITS, Source, StorableText, VisitKind } from '@relance/domain';
import { isValidEmail, normalisePhone } from './identity.js';

// What the API accepts for customers, consents, visits and redemptions. Strict objects: an unknown
// field is an error, never silently dropped. Personal data arrives here in clear and leaves sealed.
// Every text is StorableText: what PostgreSQL cannot store is refused here with its path, sealed
// fields included (the projector opens them into read-model columns).

const EARLIEST_BUSINESS_MS = Date.parse(LIMITS.earliestBusinessInstant);

/**
 * A business instant as callers send it (any offset), from LIMITS.earliestBusinessInstant. The other
 * end of the range (at most a day ahead of the engine's clock) is checked by the handlers, which own the clock.
 */
export const Instant = z.iso
  .datetime({ offset: true, error: 'an ISO-8601 date-time, e.g. 2026-11-23T14:05:00Z' })
  .refine((value) => !(Date.parse(value) < EARLIEST_BUSINESS_MS), `before ${LIMITS.earliestBusinessInstant}, the earliest date accepted`);
const Name = StorableText.trim().min(1).max(100);
const Locale = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'a locale such as "fr" or "fr-FR"');
const Email = StorableText.max(254).refine(isValidEmail, 'not a valid email address');
const Phone = StorableText.max(40).refine(
  (value) => normalisePhone(value) !== null,
  'not a valid phone number (a French number, or one with its +country code)',
);
/** From LIMITS.earliestBirthDate; the handlers refuse a date after today. */
const BirthDate = z.iso.date().refine((d) => d >= LIMITS.earliestBirthDate, `before ${LIMITS.earliestBirthDate}, not a plausible birth date`);

export const PostalAddress = z.strictObject({
  line1: StorableText.trim().min(1).max(200),
  line2: StorableText.trim().max(200).optional(),
  postalCode: StorableText.trim().min(1).max(20),
  city: StorableText.trim().min(1).max(100),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as FR').default('FR'),
});
export type PostalAddress = z.infer<typeof PostalAddress>;

export const ProfileInput = z.strictObject({
  firstName: Name.optional(),
  lastName: Name.optional(),
  companyName: Name.optional(),
  email: Email.optional(),
  phone: Phone.optional(),
  postalAddress: PostalAddress.optional(),
  birthDate: BirthDate.optional(),
});
export type ProfileInput = z.infer<typeof ProfileInput>;

/** In an update, an omitted field is kept and null erases it. */
export const ProfileChange = z.strictObject({
  firstName: Name.nullable().optional(),
  lastName: Name.nullable().optional(),
  companyName: Name.nullable().optional(),
  email: Email.nullable().optional(),
  phone: Phone.nullable().optional(),
  postalAddress: PostalAddress.nullable().optional(),
  birthDate: BirthDate.nullable().optional(),
});
export type ProfileChange = z.infer<typeof ProfileChange>;

export const ConsentProofInput = z.strictObject({
  formVersion: StorableText.min(1).max(64).optional(),
  staffId: StorableText.min(1).max(64).optional(),
  doubleOptInToken: StorableText.min(1).max(128).optional(),
  /** Stored sealed, like all personal data. */
  ip: z.union([z.ipv4(), z.ipv6()], { error: 'an IPv4 or IPv6 address' }).optional(),
  providerReference: StorableText.min(1).max(128).optional(),
});
export type ConsentProofInput = z.infer<typeof ConsentProofInput>;

export const InitialConsentInput = z.strictObject({
  channel: Channel,
  purpose: ConsentPurpose,
  proof: ConsentProofInput.default({}),
  source: Source.optional(),
});

const checkBusinessCategory = (body: { type?: 'b2c' | 'b2b' | undefined; businessCategory?: string | null | undefined }, ctx: z.RefinementCtx) => {
  if (body.type === 'b2b' && !body.businessCategory) ctx.addIssue({ code: 'custom', path: ['businessCategory'], message: 'required for a B2B customer' });
  if (body.type === 'b2c' && body.businessCategory) ctx.addIssue({ code: 'custom', path: ['businessCategory'], message: 'only for a B2B customer' });
};

export const EnrolCustomerBody = z
  .strictObject({
    /** Omitted: the engine assigns one (the same on a retry with the same Idempotency-Key). */
    customerId: Id.optional(),
    type: CustomerType.default('b2c'),
    businessCategory: BusinessCategory.optional(),
    storeId: Id.optional(),
    externalId: StorableText.min(1).max(128).optional(),
    locale: Locale.optional(),
    source: Source.default('api'),
    profile: ProfileInput.default({}),
    consents: z.array(InitialConsentInput).max(20).default([]),
    /** When the customer joined, if not now (a till's history brought in); its consents date from then. */
    enrolledAt: Instant.optional(),
  })
  .superRefine(checkBusinessCategory);
export type EnrolCustomerBody = z.infer<typeof EnrolCustomerBody>;

export const UpdateCustomerBody = z
  .strictObject({
    type: CustomerType.optional(),
    businessCategory: BusinessCategory.nullable().optional(),
    storeId: Id.nullable().optional(),
    locale: Locale.optional(),
    profile: ProfileChange.optional(),
  })
  .superRefine(checkBusinessCategory);
export type UpdateCustomerBody = z.infer<typeof UpdateCustomerBody>;

export const CustomerParams = z.strictObject({ customerId: Id });

export const MergeCustomersBody = z.strictObject({ duplicateId: Id });

export const GrantConsentBody = z.strictObject({
  channel: Channel,
  purpose: ConsentPurpose,
  source: Source.default('api'),
  proof: ConsentProofInput.default({}),
  /** When the customer gave it, if not now (a paper form keyed in later). */
  grantedAt: Instant.optional(),
});
export type GrantConsentBody = z.infer<typeof GrantConsentBody>;

export const WithdrawConsentBody = z.strictObject({
  channel: Channel,
  purpose: ConsentPurpose,
  source: Source.default('api'),
  proof: ConsentProofInput.default({}),
  reason: StorableText.max(200).optional(),
  withdrawnAt: Instant.optional(),
});
export type WithdrawConsentBody = z.infer<typeof WithdrawConsentBody>;

export const RecordVisitBody = z.strictObject({
  visitId: Id.optional(),
  storeId: Id.optional(),
  kind: VisitKind,
  /** For a tasting or an event, its name. */
  eventName: StorableText.trim().min(1).max(200).optional(),
  visitedAt: Instant.optional(),
});
export type RecordVisitBody = z.infer<typeof RecordVisitBody>;

export const RedeemRewardBody = z.strictObject({
  redemptionId: Id.optional(),
  /** A reward id of the program (program.yaml `rewards[].id`). */
  rewardCode: Id,
});
export type RedeemRewardBody = z.infer<typeof RedeemRewardBody>;
