import { z } from 'zod';
import { LIMITS } from './limits.js';
import { Cents, Channel, Id, Instant, StorableText } from './primitives.js';

// One stream per message (message-<merchantId>.<messageId>). Delivery appends these in a later issue.

export const MessageQueued = z
  .object({
    messageId: Id,
    campaignId: Id.nullable(),
    customerId: Id,
    channel: Channel,
    templateId: StorableText.min(1).max(100),
    templateVersion: StorableText.min(1).max(100),
    locale: StorableText.min(2).max(10),
    /** Deferred by quiet hours or scheduling; null to send at once. */
    scheduledFor: Instant.nullable(),
    estimatedCostCents: Cents,
    queuedAt: Instant,
  })
  .strict();

export const MessageSent = z
  .object({
    messageId: Id,
    channel: Channel,
    provider: StorableText.min(1).max(50),
    providerMessageId: StorableText.min(1).max(200),
    /** SMS segments, 1 for other channels. */
    units: z.number().int().min(1).max(LIMITS.messageUnits),
    costCents: Cents,
    sentAt: Instant,
  })
  .strict();

export const MessageDelivered = z
  .object({ messageId: Id, providerStatus: StorableText.max(100), deliveredAt: Instant })
  .strict();

export const MessageFailed = z
  .object({
    messageId: Id,
    permanent: z.boolean(),
    code: StorableText.max(100).nullable(),
    reason: StorableText.max(500),
    failedAt: Instant,
  })
  .strict();

export const MessageOpened = z.object({ messageId: Id, openedAt: Instant }).strict();

export const MessageClicked = z.object({ messageId: Id, url: StorableText.max(2000), clickedAt: Instant }).strict();
