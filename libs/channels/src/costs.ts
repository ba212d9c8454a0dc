import type { Channel } from '@relance/domain';

/** An amount in the currency's minor units (cents for EUR, yen for JPY, fils for KWD). */
export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

/**
 * What each channel costs, per 1,000 units, in minor units of `currency`: an email costs a tenth
 * of a cent, which a per-unit price in cents could not say. Units are SMS segments, RCS messages,
 * emails, letters (first sheet) and extra letter sheets.
 */
export interface ChannelPrices {
  readonly currency: string;
  readonly emailPerThousand: number;
  readonly smsSegmentPerThousand: number;
  readonly rcsMessagePerThousand: number;
  readonly letterPerThousand: number;
  readonly letterExtraSheetPerThousand: number;
}

export interface CostEstimate {
  readonly channel: Channel;
  readonly units: number;
  /** Rounded half up to the minor unit: what one message's MessageSent records. */
  readonly cost: Money;
  /** Exact, in thousandths of a minor unit, for sums over many messages (budgets, ROI) before rounding. */
  readonly milliMinor: number;
}

/**
 * Default prices, excluding VAT: SendGrid's entry plans come to about €0.001 an email, French
 * marketing SMS €0.03 to €0.10 a segment, RCS two to three times an SMS, a one-sheet letter
 * €1.52 postage (lettre verte 2026) plus printing and enveloping. Only EUR has defaults: a merchant
 * in another currency must configure its own prices.
 */
export function defaultPrices(currency: string): ChannelPrices {
  if (currency !== 'EUR') {
    throw new Error(`No default channel prices in ${currency}: configure the prices of each channel in ${currency}`);
  }
  return {
    currency,
    emailPerThousand: 100,
    smsSegmentPerThousand: 7_000,
    rcsMessagePerThousand: 15_000,
    letterPerThousand: 220_000,
    letterExtraSheetPerThousand: 15_000,
  };
}

export function priceOf(prices: ChannelPrices, channel: Channel, units: number, extraSheets = 0): CostEstimate {
  const perThousand = {
    email: prices.emailPerThousand,
    sms: prices.smsSegmentPerThousand,
    rcs: prices.rcsMessagePerThousand,
    postal: prices.letterPerThousand,
  }[channel];
  const milliMinor = units * perThousand + extraSheets * prices.letterExtraSheetPerThousand;
  return {
    channel,
    units: units + extraSheets,
    cost: { amountMinor: Math.floor((milliMinor + 500) / 1000), currency: prices.currency },
    milliMinor,
  };
}

/** A provider's decimal price ("0.0790", "-0.07", 2.1) in minor units, when it is in our currency. */
export function providerPriceMinor(price: string | number | null | undefined, currency: string): number | null {
  if (price === null || price === undefined || price === '') return null;
  const value = Math.abs(typeof price === 'number' ? price : Number(price));
  if (!Number.isFinite(value)) return null;
  return Math.round(value * 10 ** minorDigits(currency));
}

const digitsCache = new Map<string, number>();

/** The currency's minor unit (ISO 4217): 2 for EUR, 0 for JPY, 3 for KWD. */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}
