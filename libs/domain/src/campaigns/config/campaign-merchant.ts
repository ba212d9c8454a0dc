import type { Channel } from '../../events/primitives.js';
import type { QuietHours } from '../controls/quiet-hours.js';

/** How the merchant's messages are signed, opted out of, and priced (merchant.yaml `channels`). */
export interface MerchantChannels {
  readonly email: {
    readonly fromAddress: string | null;
    readonly fromName: string | null;
    readonly replyTo: string | null;
    readonly unsubscribeBaseUrl: string | null;
    readonly unitCostCents: number;
  };
  readonly sms: { readonly senderName: string | null; readonly stopNumber: string | null; readonly unitCostCents: number };
  readonly rcs: { readonly unitCostCents: number };
  readonly postal: { readonly returnAddress: readonly string[] | null; readonly unitCostCents: number };
}

/** What campaigns need of a merchant's settings (merchant.yaml), as the platform loads them. */
export interface CampaignMerchant {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly locale: string;
  /** Sells alcohol: a campaign promoting it never targets a customer under 18 or of unknown age. */
  readonly alcohol: boolean;
  readonly channels: MerchantChannels;
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

/** The estimated cost of one message on a channel (one SMS segment, one letter). */
export function unitCostCents(channel: Channel, channels: MerchantChannels): number {
  return channels[channel].unitCostCents;
}
