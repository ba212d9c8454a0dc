import { z } from 'zod';
import { CurrencyCode } from './currency.js';
import { Cents, Channel, Id, Instant, StorableText } from './primitives.js';

/*
 * The rules engine's decisions, on the campaign's stream (campaign-<merchantId>.<campaignId>).
 *
 * These types were settled in place, before their first writer: until the rules engine, no released
 * component appended them (only tests did), so no stored event can hold an earlier shape. From now on
 * the catalog's rule holds for them too: a change is a new type (`…V2`) and an upcaster.
 */

export const TRIGGER_KINDS = ['event', 'time', 'challenge', 'manual'] as const;

/** The trigger types a campaign can be written with (campaigns.yaml `trigger.type`). */
export const TRIGGER_TYPES = [
  'purchase',
  'tier-changed',
  'segment-entered',
  'consent-granted',
  'reward-reachable',
  'challenge-completed',
  'birthday',
  'inactivity',
  'points-expiring',
  'anniversary',
  'date',
  'yearly',
  'challenge',
  'manual',
] as const;
export const TriggerType = z.enum(TRIGGER_TYPES);
export type TriggerType = z.infer<typeof TriggerType>;

/** What fired a decision. */
export const DecisionTrigger = z
  .object({
    kind: z.enum(TRIGGER_KINDS),
    type: TriggerType,
    /** Event triggers: the event that fired it; challenges: the purchase that completed it. */
    eventId: StorableText.max(100).nullable(),
    eventType: StorableText.max(100).nullable(),
    /** Time triggers: the schedule as configured ("birthday, 7 days before, at 10:00"). */
    schedule: StorableText.max(200).nullable(),
    /**
     * What the decision is once per: the trigger event's id, or for a time trigger its period (the
     * birthday's date, the last purchase date of an inactivity episode, the expiry date of a lot…),
     * a challenge's period ("2026-12"), a launch's id.
     */
    period: StorableText.min(1).max(100),
    description: StorableText.max(500),
  })
  .strict();
export type DecisionTrigger = z.infer<typeof DecisionTrigger>;

export const EvaluatedCondition = z
  .object({
    /** One top-level condition of the audience, as written (CEL). */
    expression: StorableText.min(1).max(2000),
    /** The facts it read and their values (`{ "customer.segment": "loyal" }`), or its result when it reads none. */
    value: z.unknown(),
    passed: z.boolean(),
    /** Why it could not be evaluated (then it did not pass), e.g. a comparison with an unknown age. */
    error: StorableText.max(500).nullable(),
  })
  .strict();
export type EvaluatedCondition = z.infer<typeof EvaluatedCondition>;

export const CONTROLS = [
  'erased',
  'age',
  'once-per-period',
  'global-control-group',
  'control-group',
  'channel',
  'frequency-cap',
  'budget',
  'quiet-hours',
] as const;
export const ControlName = z.enum(CONTROLS);
export type ControlName = z.infer<typeof ControlName>;

/** A control applied by the decision, with what it compared. */
export const AppliedControl = z
  .object({
    control: ControlName,
    /** What the control measured (a bucket, a count in a window, a month's spend…). */
    value: z.unknown(),
    passed: z.boolean(),
    detail: StorableText.max(500).nullable(),
  })
  .strict();
export type AppliedControl = z.infer<typeof AppliedControl>;

export const CHANNEL_REASONS = ['usable', 'no-consent', 'unreachable', 'frequency-cap', 'no-template'] as const;
export const ChannelReasonCode = z.enum(CHANNEL_REASONS);
export type ChannelReasonCode = z.infer<typeof ChannelReasonCode>;

/** Each channel of the campaign's preference, in order, and whether it could carry the message. */
export const ChannelReason = z
  .object({ channel: Channel, usable: z.boolean(), reason: ChannelReasonCode, detail: StorableText.max(300).nullable() })
  .strict();
export type ChannelReason = z.infer<typeof ChannelReason>;

export const PlannedActions = z
  .object({
    /** Bonus points granted through the loyalty program (null: none). */
    bonusPoints: z.number().int().min(1).nullable(),
    voucherId: Id.nullable(),
  })
  .strict();

/** The campaign targets the customer (a control-group member too: it is recorded, nothing is sent). */
export const CampaignTriggered = z
  .object({
    campaignId: Id,
    /** Content hash of the campaign's definition in force. */
    ruleVersion: StorableText.min(1).max(100),
    customerId: Id,
    trigger: DecisionTrigger,
    conditions: z.array(EvaluatedCondition),
    controls: z.array(AppliedControl),
    controlGroup: z.boolean(),
    variant: StorableText.max(64).nullable(),
    /** The channel chosen, null for a control-group member or an action without message. */
    channel: Channel.nullable(),
    channelReasons: z.array(ChannelReason),
    /** The message it will send, null for a control-group member or an action without message. */
    messageId: Id.nullable(),
    actions: PlannedActions,
    triggeredAt: Instant,
  })
  .strict();

export const SUPPRESSION_REASONS = [
  /** The trigger fired but the audience's conditions did not all pass. */
  'audience',
  /** An offer promoting alcohol, for a customer under 18 or of unknown age. */
  'age',
  'once-per-period',
  'no-consent',
  'unreachable',
  'frequency-cap',
  'budget',
  'erased',
] as const;
export const SuppressionReason = z.enum(SUPPRESSION_REASONS);
export type SuppressionReason = z.infer<typeof SuppressionReason>;

/**
 * Nothing is sent, and why. Appended by the rules engine on the campaign's stream (a decision), or by
 * delivery on the message's stream when the consent was withdrawn (or the customer erased) between
 * the decision and the sending; a transactional message has no campaign.
 */
export const MessageSuppressed = z
  .object({
    campaignId: Id.nullable(),
    ruleVersion: StorableText.min(1).max(100).nullable(),
    customerId: Id,
    messageId: Id.nullable(),
    channel: Channel.nullable(),
    reason: SuppressionReason,
    detail: StorableText.max(500).nullable(),
    /** The decision's trigger; null when delivery suppresses a queued message. */
    trigger: DecisionTrigger.nullable(),
    /** The conditions and controls evaluated up to the one that stopped it. */
    conditions: z.array(EvaluatedCondition),
    controls: z.array(AppliedControl),
    channelReasons: z.array(ChannelReason),
    suppressedAt: Instant,
  })
  .strict();

export const ChannelEstimate = z
  .object({ channel: Channel, messages: z.number().int().min(0), costCents: Cents })
  .strict();

/** An operator confirmed an on-demand campaign after its preview. */
export const CampaignLaunched = z
  .object({
    campaignId: Id,
    ruleVersion: StorableText.min(1).max(100),
    launchId: Id,
    /** Who confirmed: `key:<api key id>` or `user:<name>` for the CLI. */
    confirmedBy: StorableText.min(1).max(120),
    /** Customers targeted after the controls (control-group members excluded), as previewed. */
    audienceCount: z.number().int().min(0),
    controlGroupCount: z.number().int().min(0),
    suppressedCount: z.number().int().min(0),
    /** The merchant's currency, the one of every cost here. */
    currency: CurrencyCode,
    estimates: z.array(ChannelEstimate),
    estimatedCostCents: Cents,
    launchedAt: Instant,
  })
  .strict();
