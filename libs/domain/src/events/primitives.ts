import { z } from 'zod';
import { LIMITS } from './limits.js';

export { StorableText } from './storable.js';

/** Our ids (customer, store, purchase, reward…): URL- and stream-name-safe, never a dot. */
export const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "-" or "_", at most 64');
export const MerchantId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'lower-case letters, digits or "-", 2 to 40');
const EARLIEST_MS = Date.parse(LIMITS.earliestInstant);
const LATEST_MS = Date.parse(LIMITS.latestInstant);
/** Out of range only when it is an instant at all (the format check names the rest). */
const inInstantRange = (value: string) => {
  const ms = Date.parse(value);
  return !(ms < EARLIEST_MS || ms > LATEST_MS);
};

/** ISO-8601 UTC instant, e.g. 2026-11-23T14:05:00.000Z, from 1900 (LIMITS.earliestInstant). */
export const Instant = z.iso.datetime().refine(inInstantRange, `between ${LIMITS.earliestInstant} and ${LIMITS.latestInstant}`);
/** Calendar date, YYYY-MM-DD, from 1900. */
export const LocalDate = z.iso.date().refine((d) => d >= LIMITS.earliestInstant.slice(0, 10), `not before ${LIMITS.earliestInstant.slice(0, 10)}`);
/** One amount (LIMITS.amountCents). */
export const Cents = z.number().int().min(0).max(LIMITS.amountCents);
export const SignedCents = z.number().int().min(-LIMITS.amountCents).max(LIMITS.amountCents);
/** One movement of points, never zero (LIMITS.pointsPerMovement). */
export const Points = z.number().int().min(1).max(LIMITS.pointsPerMovement);
/** Points held or owed (a lot's remainder, a debt): LIMITS.balancePoints. */
export const PointsHeld = z.number().int().min(0).max(LIMITS.balancePoints);
/**
 * Personal data sealed with the customer's own key (AES-256-GCM): "pii:v1:<iv>:<ciphertext>".
 * The domain treats it as opaque; destroying the key erases it.
 */
export const Sealed = z.string().regex(/^pii:v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/, 'sealed personal data');
/** A keyed hash (blind index) of a normalised email or phone, for duplicate detection without clear text. */
export const IdentityHash = z.string().regex(/^[0-9a-f]{64}$/);

export const CHANNELS = ['email', 'sms', 'rcs', 'postal'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const CONSENT_PURPOSES = ['marketing', 'loyalty', 'events'] as const;
export const ConsentPurpose = z.enum(CONSENT_PURPOSES);
export type ConsentPurpose = z.infer<typeof ConsentPurpose>;

export const CUSTOMER_TYPES = ['b2c', 'b2b'] as const;
export const CustomerType = z.enum(CUSTOMER_TYPES);
export type CustomerType = z.infer<typeof CustomerType>;

export const BUSINESS_CATEGORIES = ['restaurant', 'bar', 'hotel', 'caterer', 'retailer', 'association', 'company', 'other'] as const;
export const BusinessCategory = z.enum(BUSINESS_CATEGORIES);
export type BusinessCategory = z.infer<typeof BusinessCategory>;

/** Where a piece of data entered the system. */
export const SOURCES = ['pos', 'web', 'import', 'support', 'shopify', 'woocommerce', 'api', 'provider'] as const;
export const Source = z.enum(SOURCES);
export type Source = z.infer<typeof Source>;
