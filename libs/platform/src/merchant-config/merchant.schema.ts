import { z } from 'zod';
import { atMostTwoDecimals, Channel, CurrencyCode, DEFAULT_EUR_PRICES, DEFAULT_QUIET_HOURS, Id, isKnownHolidayCountry, isValidTimeZone, MerchantId, WEEKDAYS } from '@relance/domain';

const Store = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  city: z.string().min(1).max(100),
});

const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM (e.g. 08:00)');
const PerThousand = z.int().min(0).max(100_000_000);
const HttpsUrl = z.url({ protocol: /^https$/, error: 'an https:// address' }).max(500);
const EmailAddress = z.email({ error: 'an email address' }).max(254);

/**
 * How the merchant's messages are signed and how a customer opts out of each channel. A marketing
 * campaign may only use a channel whose opt-out means is set (the SMS "STOP au …" number, the email
 * unsubscribe address, the letter's return address).
 */
const Channels = z.strictObject({
  email: z
    .strictObject({
      fromAddress: EmailAddress.nullable().default(null),
      /** Defaults to the merchant's name. */
      fromName: z.string().min(1).max(100).nullable().default(null),
      replyTo: EmailAddress.nullable().default(null),
      /** Where an unsubscribe link points: the engine's address that withdraws the consent. */
      unsubscribeBaseUrl: HttpsUrl.nullable().default(null),
    })
    .prefault({}),
  sms: z
    .strictObject({
      /** Alphanumeric sender (3 to 11 characters, starting with a letter), as French operators require. */
      senderName: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9 ]{2,10}$/, '3 to 11 letters, digits or spaces, starting with a letter')
        .nullable()
        .default(null),
      /** The short number the "STOP au …" mention gives (a 36xxx number for promotional SMS). */
      stopNumber: z.string().regex(/^\d{5}$/, 'a five-digit short number (e.g. 36111)').nullable().default(null),
    })
    .prefault({}),
  postal: z
    .strictObject({
      /** Printed on every letter, where a customer can write to stop receiving them. */
      returnAddress: z.array(z.string().min(1).max(38)).min(2).max(6).nullable().default(null),
    })
    .prefault({}),
});

/**
 * What a message costs, in minor units of the merchant's currency per 1,000 units (an email costs a
 * tenth of a cent): estimates for budgets and previews, the figures the channel adapters price with;
 * providers report the real cost of each message. The defaults are euro prices excluding VAT.
 */
const ChannelPrices = z
  .strictObject({
    emailPerThousand: PerThousand.default(DEFAULT_EUR_PRICES.emailPerThousand),
    /** Per SMS segment (160 GSM-7 characters, 70 otherwise). */
    smsSegmentPerThousand: PerThousand.default(DEFAULT_EUR_PRICES.smsSegmentPerThousand),
    rcsMessagePerThousand: PerThousand.default(DEFAULT_EUR_PRICES.rcsMessagePerThousand),
    /** A one-sheet letter: printing, enveloping, postage. */
    letterPerThousand: PerThousand.default(DEFAULT_EUR_PRICES.letterPerThousand),
    letterExtraSheetPerThousand: PerThousand.default(DEFAULT_EUR_PRICES.letterExtraSheetPerThousand),
  })
  .prefault({});

/** When marketing SMS and RCS may be sent, in the merchant's time zone; outside, they wait (never dropped). */
const QuietHours = z
  .strictObject({
    channels: z.array(Channel).default([...DEFAULT_QUIET_HOURS.channels]),
    days: z.array(z.enum(WEEKDAYS)).min(1).default([...DEFAULT_QUIET_HOURS.days]),
    from: LocalTime.default(DEFAULT_QUIET_HOURS.from),
    to: LocalTime.default(DEFAULT_QUIET_HOURS.to),
    /** Country (and optionally region, "FR-57") whose public holidays are closed; null for none. */
    publicHolidays: z
      .string()
      .refine(isKnownHolidayCountry, 'a country code known to date-holidays (e.g. FR, or FR-57 for Moselle)')
      .nullable()
      .default(DEFAULT_QUIET_HOURS.publicHolidays),
  })
  .refine((q) => q.from < q.to, { message: '"from" must be before "to"', path: ['to'] })
  .prefault({});

/** How the merchant's customers are scored (RFM). */
const Rfm = z
  .strictObject({
    /**
     * "separately": B2C and B2B customers are each scored against their own kind (a restaurant's
     * basket is not a household's); "together": against all the merchant's customers.
     */
    customerTypes: z.enum(['separately', 'together']).default('separately'),
  })
  .prefault({});

/** merchant.yaml: who the merchant is. Its loyalty rules are in program.yaml beside it. */
export const MerchantFile = z.strictObject({
  /** Must be the name of the folder holding the file. */
  id: MerchantId,
  name: z.string().min(1).max(200),
  /** IANA zone: local days, quiet hours and expiry dates are counted in it. */
  timeZone: z
    .string()
    .refine(isValidTimeZone, 'not an IANA time zone (e.g. Europe/Paris)')
    .default('Europe/Paris'),
  locale: z.string().regex(/^[a-z]{2}-[A-Z]{2}$/, 'a locale such as fr-FR').default('fr-FR'),
  /**
   * ISO 4217: every amount of the merchant (prices, refunds, rewards, channel prices) is in its minor
   * unit (cents for EUR, pence for GBP, yen for JPY, fils for KWD). One merchant, one currency.
   */
  currency: CurrencyCode.default('EUR'),
  /** Sells alcohol: its marketing messages carry the Loi Évin health warning. */
  alcohol: z.boolean(),
  channels: Channels.prefault({}),
  channelPrices: ChannelPrices,
  quietHours: QuietHours,
  rfm: Rfm,
  /**
   * A stable share of customers that no marketing campaign targets, to measure what the whole program
   * earns; 0 turns it off.
   */
  globalControlGroupPercent: z.number().min(0).max(50).refine(atMostTwoDecimals, 'at most 2 decimals (e.g. 2.5)').default(0),
  stores: z
    .array(Store)
    .min(1)
    .superRefine((stores, ctx) => {
      stores.forEach((store, i) => {
        const twin = stores.findIndex((other) => other.id === store.id);
        if (twin < i) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate store id "${store.id}" (also stores[${twin}])` });
      });
    }),
});
export type MerchantFile = z.infer<typeof MerchantFile>;
export type Store = MerchantFile['stores'][number];
