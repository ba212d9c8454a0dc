import { isAtLeast } from '../../shared/birth-dates.js';
import { BUSINESS_CATEGORIES, CHANNELS, CUSTOMER_TYPES, type BusinessCategory, type Channel, type CustomerType } from '../../events/primitives.js';
import { SEGMENTS, type Segment } from '../../events/segment.events.js';
import { CelT, type CelType } from '../cel/cel-types.js';

/** The names a merchant's configuration gives: audiences may only compare fields with these. */
export interface MerchantVocabulary {
  readonly tiers: readonly string[];
  readonly stores: readonly string[];
  readonly rewards: readonly string[];
}

/** Spend windows, in days up to and including the evaluation's local date; "lifetime" is everything. */
export const SPEND_WINDOWS = ['d30', 'd90', 'd365', 'lifetime'] as const;
export type SpendWindow = (typeof SPEND_WINDOWS)[number];
export const WINDOW_DAYS: Readonly<Record<Exclude<SpendWindow, 'lifetime'>, number>> = { d30: 30, d90: 90, d365: 365 };

/**
 * What an audience knows of a customer (`customer.…` in CEL), as of the evaluation's local date D in
 * the merchant's time zone. Each field is computable set-based in SQL over the read models for all the
 * candidates of a rule at once:
 * - spendCents.dN: Σ (total − refunded) of the customer's purchases whose local date is in
 *   [D − N + 1, D]; purchaseCount.dN: how many of those purchases are not wholly refunded; lifetime:
 *   the same over all dates;
 * - categories: the distinct line categories (lower case) of lines not wholly refunded, ever;
 * - lastPurchaseOn / daysSinceLastPurchase: the latest purchase's local date and D minus it (null
 *   without a purchase);
 * - ofAge: 18 or over on D (true / false, null when the age is unknown): the read model's
 *   `adult_since <= D` answers it for almost everyone; a customer recorded as a minor has their
 *   profile opened;
 * - ageYears: whole years from the birth date to D, null when unknown; it needs the birth date, so
 *   the runtime computes it (on opened profiles, after the set-based conditions narrowed the
 *   candidates) only for campaigns whose audience reads it (`readsFact`). A decision never records
 *   its value, only whether it was known;
 * - birthday: the birth month and day "MM-DD" (null when unknown), as the read model keeps it;
 * - enrolledOn: the local date of enrolment, daysSinceEnrolment = D − enrolledOn;
 * - consents: the marketing consent per channel, as it stands;
 * - segment: the customer's RFM segment from the latest run (null until scored);
 * - tier: the tier held (null until the first tier decision); balance: points.
 */
export interface CustomerFacts {
  readonly id: string;
  readonly type: CustomerType;
  readonly businessCategory: BusinessCategory | null;
  readonly tier: string | null;
  readonly segment: Segment | null;
  readonly balance: number;
  readonly storeId: string | null;
  readonly locale: string;
  readonly ofAge: boolean | null;
  readonly ageYears: number | null;
  readonly birthday: string | null;
  readonly enrolledOn: string;
  readonly daysSinceEnrolment: number;
  readonly consents: Readonly<Record<Channel, boolean>>;
  readonly spendCents: Readonly<Record<SpendWindow, number>>;
  readonly purchaseCount: Readonly<Record<SpendWindow, number>>;
  readonly categories: readonly string[];
  readonly lastPurchaseOn: string | null;
  readonly daysSinceLastPurchase: number | null;
}

const perWindow = (type: CelType): Record<string, CelType> => Object.fromEntries(SPEND_WINDOWS.map((w) => [w, type]));

export function customerFactsType(vocabulary: MerchantVocabulary): CelType {
  return CelT.object('customer', {
    id: CelT.string,
    type: CelT.oneOf('customer type', CUSTOMER_TYPES),
    businessCategory: CelT.nullable(CelT.oneOf('business category', BUSINESS_CATEGORIES)),
    tier: CelT.nullable(CelT.oneOf('tier', vocabulary.tiers)),
    segment: CelT.nullable(CelT.oneOf('segment', SEGMENTS)),
    balance: CelT.int,
    storeId: CelT.nullable(CelT.oneOf('store', vocabulary.stores)),
    locale: CelT.string,
    ofAge: CelT.nullable(CelT.bool),
    ageYears: CelT.nullable(CelT.int),
    birthday: CelT.nullable(CelT.string),
    enrolledOn: CelT.string,
    daysSinceEnrolment: CelT.int,
    consents: CelT.object('customer.consents', Object.fromEntries(CHANNELS.map((c) => [c, CelT.bool]))),
    spendCents: CelT.object('customer.spendCents', perWindow(CelT.int)),
    purchaseCount: CelT.object('customer.purchaseCount', perWindow(CelT.int)),
    categories: CelT.list(CelT.string),
    lastPurchaseOn: CelT.nullable(CelT.string),
    daysSinceLastPurchase: CelT.nullable(CelT.int),
  });
}

/**
 * Facts whose values a decision never records (their conditions record whether they were known):
 * next to the birthday a decision's date gives away, an age would be the birth date, kept in the log
 * beyond the reach of the customer's key.
 */
export const WITHHELD_FACTS: ReadonlySet<string> = new Set(['customer.ageYears']);

/** Whole years from a birth date to a local date (both YYYY-MM-DD), counted as `anniversaryOf` does (29 February: 1 March). */
export function ageOn(birthDate: string, date: string): number {
  const years = Number(date.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return isAtLeast(birthDate, years, date) ? years : years - 1;
}
