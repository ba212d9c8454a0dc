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
 * - ageYears: whole years from the birth date to D (null without a birth date); birthMonth/birthDay;
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
  readonly ageYears: number | null;
  readonly birthMonth: number | null;
  readonly birthDay: number | null;
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
    ageYears: CelT.nullable(CelT.int),
    birthMonth: CelT.nullable(CelT.int),
    birthDay: CelT.nullable(CelT.int),
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

/** Whole years from a birth date to a local date (both YYYY-MM-DD): the age on that day. */
export function ageOn(birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
