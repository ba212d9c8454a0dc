import type { ChannelReason } from '../../events/campaign.events.js';
import type { Channel, ConsentPurpose } from '../../events/primitives.js';
import type { FrequencyCap } from '../config/campaign.schema.js';
import { describeCap, evaluateCaps, type ContactRecord } from './frequency-caps.js';

/** What the runtime knows of how a customer can be reached, as it stands at the decision. */
export interface ContactFacts {
  /** Current consent per purpose and channel; a missing entry is no consent. */
  readonly consents: Readonly<Partial<Record<ConsentPurpose, Readonly<Partial<Record<Channel, boolean>>>>>>;
  /** Whether the customer has an address for the channel (email, phone for SMS and RCS, postal address). */
  readonly reachable: Readonly<Partial<Record<Channel, boolean>>>;
}

export interface ChannelChoice {
  readonly channel: Channel | null;
  /** RCS falls back to SMS when SMS is also listed after it and usable. */
  readonly fallback: readonly Channel[];
  readonly reasons: readonly ChannelReason[];
}

export interface ChannelChoiceInput {
  readonly preference: readonly Channel[];
  readonly purpose: ConsentPurpose;
  readonly contact: ContactFacts;
  /** Channels with a template in the customer's locale (or the merchant's). */
  readonly templates: ReadonlySet<Channel>;
  /** Caps of single channels; empty for a message that is not marketing. */
  readonly caps: readonly FrequencyCap[];
  readonly history: readonly ContactRecord[];
  readonly now: string;
}

/** The first channel of the preference that is consented, reachable, templated and under its caps; every channel's reason. */
export function chooseChannel(input: ChannelChoiceInput): ChannelChoice {
  const reasons = input.preference.map((channel): ChannelReason => {
    if (input.contact.consents[input.purpose]?.[channel] !== true) {
      return { channel, usable: false, reason: 'no-consent', detail: `no ${input.purpose} consent for ${channel}` };
    }
    if (input.contact.reachable[channel] !== true) return { channel, usable: false, reason: 'unreachable', detail: `no ${addressOf(channel)}` };
    if (!input.templates.has(channel)) return { channel, usable: false, reason: 'no-template', detail: `no ${channel} template` };
    const capped = evaluateCaps(input.caps, input.history, input.now, channel).find((c) => !c.passed);
    if (capped) return { channel, usable: false, reason: 'frequency-cap', detail: describeCap(capped) };
    return { channel, usable: true, reason: 'usable', detail: null };
  });
  const chosen = reasons.find((r) => r.usable)?.channel ?? null;
  const fallback: Channel[] =
    chosen === 'rcs' && reasons.some((r) => r.channel === 'sms' && r.usable) && input.preference.indexOf('sms') > input.preference.indexOf('rcs') ? ['sms'] : [];
  return { channel: chosen, fallback, reasons };
}

function addressOf(channel: Channel): string {
  switch (channel) {
    case 'email':
      return 'email address';
    case 'sms':
    case 'rcs':
      return 'mobile phone number';
    case 'postal':
      return 'postal address';
  }
}
