import { z } from 'zod';
import { LIMITS } from './limits.js';
import { CurrencyCode } from './currency.js';
import { Cents, Channel, ConsentPurpose, Id, Instant, StorableText } from './primitives.js';

/*
 * One stream per message (message-<merchantId>.<messageId>): MessageQueued first, appended by the
 * rules engine with its decision, then delivery's outcomes (and MessageSuppressed, in
 * campaign.events.ts, when the consent went away before sending).
 *
 * Settled in place before their first writer (no released component appended them): every message
 * event names its campaign (null for a transactional message) and its customer, so that analytics
 * attribute purchases to messages without a join.
 */

/** What the template may show of a voucher issued with the message. */
export const MessageVoucher = z.object({ voucherId: Id, code: StorableText.min(4).max(40) }).strict();

export const MessageQueued = z
  .object({
    messageId: Id,
    campaignId: Id.nullable(),
    /** The campaign's content hash at the decision; null for a transactional message. */
    ruleVersion: StorableText.min(1).max(100).nullable(),
    customerId: Id,
    channel: Channel,
    /** Tried in order when the channel fails to reach the customer (RCS falls back to SMS). */
    fallbackChannels: z.array(Channel).max(3),
    /** Delivery checks this consent again at send time. */
    purpose: ConsentPurpose,
    templateId: StorableText.min(1).max(100),
    templateVersion: StorableText.min(1).max(100),
    locale: StorableText.min(2).max(10),
    /** Deferred by quiet hours or scheduling; null to send at once. */
    scheduledFor: Instant.nullable(),
    /** The merchant's currency, the one of estimatedCostCents. */
    currency: CurrencyCode,
    estimatedCostCents: Cents,
    voucher: MessageVoucher.nullable(),
    queuedAt: Instant,
  })
  .strict();

const Attribution = { messageId: Id, campaignId: Id.nullable(), customerId: Id };

export const MessageSent = z
  .object({
    ...Attribution,
    channel: Channel,
    provider: StorableText.min(1).max(50),
    providerMessageId: StorableText.min(1).max(200),
    /** SMS segments, 1 for other channels. */
    units: z.number().int().min(1).max(LIMITS.messageUnits),
    /** The currency of costCents: the merchant's (a provider's price in another currency is not recorded as a cost). */
    currency: CurrencyCode,
    costCents: Cents,
    sentAt: Instant,
  })
  .strict();

export const MessageDelivered = z
  .object({ ...Attribution, providerStatus: StorableText.max(100), deliveredAt: Instant })
  .strict();

export const MessageFailed = z
  .object({
    ...Attribution,
    permanent: z.boolean(),
    code: StorableText.max(100).nullable(),
    reason: StorableText.max(500),
    failedAt: Instant,
  })
  .strict();

/**
 * The message failed for good on `fromChannel` (an invalid number, a refused address) and delivery
 * goes on with `toChannel`, the next of the campaign's channels the customer consented to and can be
 * reached on. Not an outcome: the MessageSent or MessageFailed that follows is.
 */
export const MessageRerouted = z
  .object({
    ...Attribution,
    fromChannel: Channel,
    toChannel: Channel,
    /** The provider's code and reason for the failure on `fromChannel`. */
    code: StorableText.max(100).nullable(),
    reason: StorableText.max(500),
    reroutedAt: Instant,
  })
  .strict();

export const MessageOpened = z.object({ ...Attribution, openedAt: Instant }).strict();

export const MessageClicked = z.object({ ...Attribution, url: StorableText.max(2000), clickedAt: Instant }).strict();
