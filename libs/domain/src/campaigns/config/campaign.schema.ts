import { z } from 'zod';
import { TRIGGER_TYPES } from '../../events/campaign.events.js';
import { CHANNELS, Cents, Channel, ConsentPurpose, Id, LocalDate } from '../../events/primitives.js';
import { WEEKDAYS } from '../../shared/local-time.js';

/**
 * campaigns.yaml as marketing operators write it. Parsing fills in every default (from the file's
 * `defaults`, then the program's), so that a parsed campaign says everything it does and its hash
 * (its ruleVersion) changes exactly when its behaviour does.
 */

const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM (e.g. 10:00)');
const At = LocalTime.default('10:00');
/** CEL text; checked against the facts when the whole file is validated. */
const Condition = z.string().min(1).max(2000);

export function atMostTwoDecimals(value: number): boolean {
  return Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;
}

const Percent = z.number().min(0).max(100).refine(atMostTwoDecimals, 'at most 2 decimals (e.g. 2.5)');

export const FrequencyCap = z.strictObject({
  /** At most this many marketing messages… */
  max: z.int().min(0).max(100),
  /** …in any rolling window of this many days… */
  days: z.int().min(1).max(365),
  /** …on this channel, or on all channels together when null. */
  channel: Channel.nullable().default(null),
});
export type FrequencyCap = z.infer<typeof FrequencyCap>;

export const DEFAULT_FREQUENCY_CAPS: readonly FrequencyCap[] = [{ max: 2, days: 7, channel: null }];
export const DEFAULT_PRIORITY = 100;
export const DEFAULT_CONTROL_GROUP_PERCENT = 10;

export const CampaignDefaults = z.strictObject({
  controlGroupPercent: Percent.default(DEFAULT_CONTROL_GROUP_PERCENT),
  frequencyCaps: z.array(FrequencyCap).max(10).default(DEFAULT_FREQUENCY_CAPS.map((c) => ({ ...c }))),
  priority: z.int().min(1).max(1000).default(DEFAULT_PRIORITY),
});
export type CampaignDefaults = z.infer<typeof CampaignDefaults>;

const trigger = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.strictObject({ type: z.literal(type), ...shape });

const Nth = z.union([z.int().min(1).max(5), z.literal('last')]);

export const Trigger = z.discriminatedUnion(
  'type',
  [
    /** PurchaseRecorded of a known customer; `filter` reads `event` (the purchase). */
    trigger('purchase', { filter: Condition.nullable().default(null) }),
    trigger('tier-changed', {
      direction: z.enum(['up', 'down']).nullable().default(null),
      /** Tier ids; empty: any. */
      to: z.array(Id).default([]),
    }),
    /** SegmentChanged into one of the segments (never the RFM baseline). */
    trigger('segment-entered', { segments: z.array(z.string().min(1).max(64)).min(1) }),
    trigger('consent-granted', {
      channels: z.array(Channel).min(1).default([...CHANNELS]),
      purpose: ConsentPurpose.default('marketing'),
    }),
    /** The balance crosses the reward's cost: before < cost ≤ after. */
    trigger('reward-reachable', { reward: Id }),
    trigger('challenge-completed', { challenge: Id }),
    trigger('birthday', { daysBefore: z.int().min(0).max(60).default(0), at: At }),
    trigger('inactivity', { days: z.int().min(1).max(3650), at: At }),
    trigger('points-expiring', { withinDays: z.int().min(1).max(365), at: At }),
    trigger('anniversary', { daysBefore: z.int().min(0).max(60).default(0), at: At }),
    trigger('date', { date: LocalDate, at: At }),
    /** Every year: a fixed day (`day`) or the nth weekday of the month (`weekday` and `nth`, e.g. the 3rd Thursday). */
    trigger('yearly', {
      month: z.int().min(1).max(12),
      day: z.int().min(1).max(31).nullable().default(null),
      weekday: z.enum(WEEKDAYS).nullable().default(null),
      nth: Nth.nullable().default(null),
      at: At,
    }),
    /** N purchases, or X cents spent, within a calendar period. */
    trigger('challenge', {
      purchases: z.int().min(1).max(1000).nullable().default(null),
      spendCents: Cents.min(1).nullable().default(null),
      period: z.enum(['month', 'quarter', 'year']),
      /** Only the periods starting in these months (e.g. [12]: December only); empty: every period. */
      months: z.array(z.int().min(1).max(12)).default([]),
      /** Which purchases count; reads `event` (the purchase). */
      filter: Condition.nullable().default(null),
    }),
    trigger('manual', {}),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator'
        ? `must be one of ${TRIGGER_TYPES.join(', ')}`
        : undefined,
  },
);
export type Trigger = z.infer<typeof Trigger>;
export type TriggerOf<T extends Trigger['type']> = Extract<Trigger, { type: T }>;

const TemplateId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and "-" (the template file name)');

const ContentKey = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, 'a name of letters, digits and "_", starting with a letter (templates read it as content.<name>)');
const ContentValue = z.union([z.string().max(1000), z.number(), z.boolean()], {
  error: (issue) => (issue.code === 'invalid_union' ? 'a text, a number or true/false (dates as "YYYY-MM-DD" or an ISO instant in quotes)' : undefined),
});

/**
 * What a campaign's message says that no decision records: the cuvée of a Beaujolais nouveau, a
 * tasting's winery, date and place. Templates read it as `content.<name>`; `relance rules validate`
 * checks that every `content.<name>` the campaign's templates use is given here.
 */
export const MessageContent = z
  .record(ContentKey, ContentValue)
  .refine((content) => Object.keys(content).length <= 40, 'at most 40 entries');
export type MessageContent = z.infer<typeof MessageContent>;

export const MessageAction = z.strictObject({
  /** In order of preference; the first that is consented, reachable and not capped is used. */
  channels: z
    .array(Channel)
    .min(1)
    .refine((channels) => new Set(channels).size === channels.length, 'a channel is listed twice'),
  template: TemplateId,
  /** Absent rather than empty when unused: a campaign without content keeps its ruleVersion. */
  content: MessageContent.optional(),
});

export const VoucherAction = z
  .strictObject({
    valueCents: Cents.min(1).nullable().default(null),
    percent: z.int().min(1).max(100).nullable().default(null),
    minimumPurchaseCents: Cents.default(0),
    /** Valid through the end of this many days after it is issued. */
    validityDays: z.int().min(1).max(3650),
  })
  .refine((v) => (v.valueCents === null) !== (v.percent === null), { message: 'give either valueCents or percent', path: ['valueCents'] });

export const Actions = z
  .strictObject({
    message: MessageAction.nullable().default(null),
    bonusPoints: z.int().min(1).max(1_000_000).nullable().default(null),
    voucher: VoucherAction.nullable().default(null),
  })
  .refine((a) => a.message !== null || a.bonusPoints !== null || a.voucher !== null, 'needs at least one action (message, bonusPoints or voucher)');

export const ONCE_PER = ['lifetime', 'year', 'month', 'period'] as const;

const Audience = z.union([Condition, z.array(Condition).max(50)], {
  error: (issue) => (issue.code === 'invalid_union' ? 'a condition (CEL text) or a list of conditions' : undefined),
});

/** One campaign as written; `undefined` fields take the file's defaults. */
export const CampaignInput = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  status: z.enum(['active', 'paused']).default('active'),
  /** 1 is decided first when campaigns collide; ties go by id. */
  priority: z.int().min(1).max(1000).optional(),
  trigger: Trigger,
  /** Every condition must hold (each is recorded with its value). Empty: everyone the trigger fires for. */
  audience: Audience.default([]),
  /** A customer gets the campaign at most once per lifetime, calendar year, month, or trigger period. */
  oncePer: z.enum(ONCE_PER).default('period'),
  actions: Actions,
  controlGroupPercent: Percent.optional(),
  /** Estimated message costs per calendar month (merchant's time zone), in cents; null: no cap. */
  monthlyBudgetCents: Cents.nullable().default(null),
  /** Defaults to the merchant's `alcohol`. */
  promotesAlcohol: z.boolean().optional(),
  /** Marketing: consent for marketing, frequency caps, quiet hours, global control group. */
  marketing: z.boolean().default(true),
});
export type CampaignInput = z.infer<typeof CampaignInput>;

export const CampaignsFile = z.strictObject({
  defaults: CampaignDefaults.prefault({}),
  campaigns: z.array(CampaignInput).max(200).default([]),
});

/** A campaign with every default filled in: what its ruleVersion hashes. */
export interface CampaignDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly status: 'active' | 'paused';
  readonly priority: number;
  readonly trigger: Trigger;
  readonly audience: readonly string[];
  readonly oncePer: (typeof ONCE_PER)[number];
  readonly actions: z.infer<typeof Actions>;
  readonly controlGroupPercent: number;
  readonly monthlyBudgetCents: number | null;
  readonly promotesAlcohol: boolean;
  readonly marketing: boolean;
}
