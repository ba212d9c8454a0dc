import { z } from 'zod';
import { Cents, Channel, Id, Instant, StorableText } from './primitives.js';

// Written by the rules engine (a later issue); the projector already keeps their audit trail.

export const EvaluatedCondition = z
  .object({
    /** The condition as written in the campaign (CEL). */
    expression: StorableText.min(1).max(2000),
    /** The value it evaluated to, or the value of the inputs it compared. */
    value: z.unknown(),
    passed: z.boolean(),
  })
  .strict();

export const CampaignTriggered = z
  .object({
    campaignId: Id,
    /** Content hash of the campaign configuration in force. */
    ruleVersion: StorableText.min(1),
    customerId: Id,
    trigger: z
      .object({
        kind: z.enum(['event', 'time', 'challenge', 'manual']),
        eventId: StorableText.nullable(),
        eventType: StorableText.nullable(),
        description: StorableText.max(500),
      })
      .strict(),
    conditions: z.array(EvaluatedCondition),
    controlGroup: z.boolean(),
    variant: StorableText.max(64).nullable(),
    /** The message it will send, null for a control-group member or an action without message. */
    messageId: Id.nullable(),
    triggeredAt: Instant,
  })
  .strict();

export const SUPPRESSION_REASONS = [
  'no-consent',
  'frequency-cap',
  'quiet-hours',
  'control-group',
  'erased',
  'b2b-excluded',
  'budget',
  'duplicate',
  'unreachable',
] as const;

export const MessageSuppressed = z
  .object({
    campaignId: Id,
    ruleVersion: StorableText.min(1),
    customerId: Id,
    messageId: Id.nullable(),
    channel: Channel.nullable(),
    reason: z.enum(SUPPRESSION_REASONS),
    detail: StorableText.max(500).nullable(),
    suppressedAt: Instant,
  })
  .strict();

export const OfferRedeemed = z
  .object({
    campaignId: Id,
    messageId: Id.nullable(),
    customerId: Id,
    purchaseId: Id,
    offerCode: StorableText.max(64).nullable(),
    discountCents: Cents,
    redeemedAt: Instant,
  })
  .strict();
