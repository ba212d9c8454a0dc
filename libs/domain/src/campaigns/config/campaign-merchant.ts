import type { Channel } from '../../events/primitives.js';
import type { QuietHours } from '../controls/quiet-hours.js';

/**
 * How the merchant's messages are signed and opted out of (merchant.yaml `channels`). RCS goes
 * through the SMS sender's messaging service: it shares its sender, its STOP number, and falls back to SMS.
 */
export interface MerchantChannels {
  readonly email: { readonly fromAddress: string | null; readonly fromName: string | null; readonly replyTo: string | null; readonly unsubscribeBaseUrl: string | null };
  readonly sms: { readonly senderName: string | null; readonly stopNumber: string | null };
  readonly postal: { readonly returnAddress: readonly string[] | null };
}

/**
 * What a message costs, in minor units of the merchant's currency per 1,000 units (an email costs a
 * tenth of a cent, which a price per unit in cents could not say): merchant.yaml `channelPrices`,
 * the same figures the channel adapters estimate with.
 */
export interface ChannelPricesPerThousand {
  readonly emailPerThousand: number;
  readonly smsSegmentPerThousand: number;
  readonly rcsMessagePerThousand: number;
  readonly letterPerThousand: number;
  readonly letterExtraSheetPerThousand: number;
}

/** Prices excluding VAT, in euro cents per 1,000: €0.001 an email, €0.07 an SMS segment, €0.15 an RCS message, €2.20 a letter. */
export const DEFAULT_EUR_PRICES: ChannelPricesPerThousand = {
  emailPerThousand: 100,
  smsSegmentPerThousand: 7_000,
  rcsMessagePerThousand: 15_000,
  letterPerThousand: 220_000,
  letterExtraSheetPerThousand: 15_000,
};

/** What campaigns need of a merchant's settings (merchant.yaml), as the platform loads them. */
export interface CampaignMerchant {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly locale: string;
  /** ISO 4217 code: the currency of its prices, budgets, vouchers and every amount its decisions record. */
  readonly currency: string;
  /** Sells alcohol: a campaign promoting it never targets a customer under 18 or of unknown age. */
  readonly alcohol: boolean;
  readonly channels: MerchantChannels;
  readonly channelPrices: ChannelPricesPerThousand;
  readonly quietHours: QuietHours;
  readonly globalControlGroupPercent: number;
}

/** Why a channel cannot send at all for this merchant (no sender), or null. */
export function senderProblem(channel: Channel, channels: MerchantChannels): string | null {
  switch (channel) {
    case 'email':
      return channels.email.fromAddress === null ? 'no sender: set channels.email.fromAddress in merchant.yaml' : null;
    case 'sms':
    case 'rcs':
      return channels.sms.senderName === null ? 'no sender: set channels.sms.senderName in merchant.yaml' : null;
    case 'postal':
      return channels.postal.returnAddress === null ? 'no sender: set channels.postal.returnAddress in merchant.yaml' : null;
  }
}

/**
 * Why a channel cannot carry marketing for this merchant (the customer would have no way to opt
 * out), or null. RCS goes through the SMS sender and shares its STOP number.
 */
export function optOutProblem(channel: Channel, channels: MerchantChannels): string | null {
  switch (channel) {
    case 'email':
      return channels.email.unsubscribeBaseUrl === null
        ? 'no opt-out means: set channels.email.unsubscribeBaseUrl in merchant.yaml (every marketing email carries an unsubscribe link)'
        : null;
    case 'sms':
    case 'rcs':
      return channels.sms.stopNumber === null
        ? `no opt-out means: set channels.sms.stopNumber in merchant.yaml (a marketing ${channel === 'sms' ? 'SMS' : 'RCS message'} must say "STOP au …")`
        : null;
    case 'postal':
      return channels.postal.returnAddress === null
        ? 'no opt-out means: set channels.postal.returnAddress in merchant.yaml (a letter says where to write to stop them)'
        : null;
  }
}

/**
 * The estimated cost of one message on a channel before it is rendered (one SMS segment, a
 * one-sheet letter), in thousandths of a minor unit: budgets add these exactly.
 */
export function estimatedCostMilliMinor(channel: Channel, prices: ChannelPricesPerThousand): number {
  switch (channel) {
    case 'email':
      return prices.emailPerThousand;
    case 'sms':
      return prices.smsSegmentPerThousand;
    case 'rcs':
      return prices.rcsMessagePerThousand;
    case 'postal':
      return prices.letterPerThousand;
  }
}

/** Thousandths of a minor unit rounded half up to the minor unit, as a message's cost is recorded. */
export function roundMilliMinor(milliMinor: number): number {
  return Math.floor((milliMinor + 500) / 1000);
}
