import {
  letterDateLine,
  unsubscribeUrl,
  type OutboundMessage,
  type PostalAddress,
  type RenderedMessage,
} from '@relance/channels';
import type { Channel, EventData } from '@relance/domain';
import type { CustomerProfile } from '@relance/platform';
import type { MerchantChannels } from './merchant-channels.js';

export interface Addressing {
  readonly merchantId: string;
  readonly queued: EventData<'MessageQueued'>;
  readonly profile: CustomerProfile;
  readonly channels: MerchantChannels;
  readonly now: Date;
}

/** Why a message cannot be addressed: nothing to reach the customer on (suppressed), or a merchant setting missing (failed). */
export type AddressProblem = { readonly kind: 'unreachable' | 'merchant-setting'; readonly detail: string };

/** Whether the customer can be reached on the channel at all (before rendering). */
export function reachable(channel: Channel, profile: CustomerProfile): AddressProblem | null {
  switch (channel) {
    case 'email':
      return profile.email ? null : { kind: 'unreachable', detail: 'no email address in the profile' };
    case 'sms':
    case 'rcs':
      return profile.phone ? null : { kind: 'unreachable', detail: 'no phone number in the profile' };
    case 'postal':
      return profile.postalAddress ? null : { kind: 'unreachable', detail: 'no postal address in the profile' };
  }
}

/** The signed one-click link of a message (the merchant's unsubscribe base, else the engine's own route). */
export function unsubscribeLink(publicUrl: string, secret: string, channels: MerchantChannels, ids: { merchantId: string; customerId: string; messageId: string }, channel: Channel): string {
  const base = channels.merchant.channels.email.unsubscribeBaseUrl ?? `${publicUrl}/unsubscribe`;
  return unsubscribeUrl(base, secret, { ...ids, channel });
}

/** The rendered message addressed to the customer: personal data only here, in memory, for the send. */
export function outboundMessage(a: Addressing, rendered: RenderedMessage, unsubscribe: string | null): OutboundMessage | AddressProblem {
  const { queued, profile, channels, merchantId } = a;
  const merchant = channels.merchant;
  const envelope = { messageId: queued.messageId, merchantId, customerId: queued.customerId, campaignId: queued.campaignId, marketing: queued.purpose === 'marketing' };
  const name = [profile.firstName, profile.lastName].filter(Boolean).join(' ') || profile.companyName || null;
  switch (rendered.channel) {
    case 'email': {
      const from = merchant.channels.email.fromAddress;
      if (!from) return { kind: 'merchant-setting', detail: 'merchant.yaml channels.email.fromAddress is not set' };
      const replyTo = merchant.channels.email.replyTo;
      return {
        ...envelope,
        channel: 'email',
        to: { email: profile.email!, name },
        from: { email: from, name: merchant.channels.email.fromName ?? merchant.name },
        replyTo: replyTo ? { email: replyTo } : null,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        unsubscribeUrl: unsubscribe,
        batchForm: rendered.batchForm,
      };
    }
    case 'sms':
    case 'rcs':
      return { ...envelope, channel: rendered.channel, to: { phone: profile.phone!, country: 'FR' }, body: rendered.body, shopName: merchant.name };
    case 'postal': {
      if (!channels.sender) return { kind: 'merchant-setting', detail: 'merchant.yaml channels.postal.returnAddress is not set (or its last line is not "<postcode> <city>")' };
      const address = profile.postalAddress!;
      const to: PostalAddress = {
        name: name ?? '',
        lines: [address.line1, ...(address.line2 ? [address.line2] : [])],
        postcode: address.postalCode,
        city: address.city,
        country: address.country,
      };
      return {
        ...envelope,
        channel: 'postal',
        to,
        sender: channels.sender,
        subject: rendered.subject,
        body: rendered.body,
        dateLine: letterDateLine(channels.sender.city, a.now, rendered.locale, merchant.timeZone),
      };
    }
  }
}
