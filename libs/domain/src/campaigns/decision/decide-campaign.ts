import type { AppliedControl, ChannelReason, EvaluatedCondition, SuppressionReason } from '../../events/campaign.events.js';
import type { EventData } from '../../events/catalog.js';
import type { Channel, ConsentPurpose } from '../../events/primitives.js';
import { streams } from '../../streams.js';
import { endOfLocalDayAfter } from '../../shared/local-time.js';
import { evaluateConditions } from '../cel/conditions.js';
import type { CampaignMerchant } from '../config/campaign-merchant.js';
import { estimatedCostMilliMinor, roundMilliMinor } from '../config/campaign-merchant.js';
import type { FrequencyCap } from '../config/campaign.schema.js';
import type { CompiledCampaign } from '../config/parse-campaigns.js';
import { chooseChannel, type ContactFacts } from '../controls/channel-choice.js';
import { alcoholAgeControl } from '../controls/alcohol-age.js';
import { budgetControl, budgetMonth } from '../controls/budget.js';
import { oncePerControl, type PastDecision } from '../controls/once-per.js';
import { campaignControlKey, controlBucket, globalControlKey, inControlGroup } from '../controls/control-group.js';
import { describeCap, evaluateCaps, type ContactRecord } from '../controls/frequency-caps.js';
import { nextAllowedInstant, quietHoursApply } from '../controls/quiet-hours.js';
import type { CustomerFacts } from '../facts/customer-facts.js';
import { decisionTriggerOf, type TriggerOccurrence } from '../triggers/occurrence.js';
import { decisionIds, decisionKey, type DecisionIds } from './decision-ids.js';

/** A template the runtime found for a channel, in the locale the customer will read. */
export interface TemplateRef {
  readonly version: string;
  readonly locale: string;
}

/** What a customer's past says to the controls. */
export interface ContactHistory {
  /** Marketing messages queued for the customer recently (at least the longest cap window). */
  readonly messages: readonly ContactRecord[];
  /** Earlier decisions that targeted the customer (CampaignTriggered), of any campaign. */
  readonly decisions: readonly PastDecision[];
}

export interface CampaignDecisionInput {
  readonly merchant: CampaignMerchant;
  /** The campaign set's caps (defaults.frequencyCaps). */
  readonly frequencyCaps: readonly FrequencyCap[];
  readonly campaign: CompiledCampaign;
  readonly occurrence: TriggerOccurrence;
  /** Null when the customer was erased (or merged away): nothing is decided for them but the record. */
  readonly customer: CustomerFacts | null;
  readonly contact: ContactFacts;
  readonly history: ContactHistory;
  /**
   * Estimated cost of the campaign's messages already queued this calendar month (merchant's zone),
   * in thousandths of a minor unit (the sum of their decisions' costMilliMinor).
   */
  readonly spentThisMonthMilliMinor: number;
  readonly templates: Readonly<Partial<Record<Channel, TemplateRef>>>;
  /** Required when the campaign issues a voucher (see formatVoucherCode). */
  readonly voucherCode: string | null;
  readonly now: string;
}

/** Events to append on one stream, each with its derived id. */
export interface PlannedAppend {
  readonly streamId: string;
  readonly events: readonly PlannedEvent[];
}

export type PlannedEvent = {
  [T in 'CampaignTriggered' | 'MessageSuppressed' | 'MessageQueued' | 'VoucherIssued' | 'ChallengeCompleted']: {
    readonly eventId: string;
    readonly type: T;
    readonly data: EventData<T>;
  };
}['CampaignTriggered' | 'MessageSuppressed' | 'MessageQueued' | 'VoucherIssued' | 'ChallengeCompleted'];

/**
 * Bonus points to grant through the loyalty program: the customer command GrantBonusPoints
 * ({ bonusId, points, reason, sourceId }) run with `seed` (the decision's event id) as its command seed.
 */
export interface PlannedBonus {
  readonly bonusId: string;
  readonly points: number;
  readonly reason: 'bonus' | 'challenge';
  /** The campaign: PointsEarned.sourceId. */
  readonly sourceId: string;
  readonly seed: string;
}

export interface CampaignDecision {
  readonly ids: DecisionIds;
  readonly outcome: 'triggered' | 'control-group' | 'suppressed';
  readonly reason: SuppressionReason | null;
  /** In order: the campaign's stream, then the message's, then the customer's. */
  readonly appends: readonly PlannedAppend[];
  readonly message: {
    readonly messageId: string;
    readonly channel: Channel;
    readonly scheduledFor: string | null;
    /** Rounded to the minor unit, as MessageQueued records it. */
    readonly estimatedCostCents: number;
    readonly marketing: boolean;
  } | null;
  readonly bonus: PlannedBonus | null;
  /** What the budget counts for this decision: the message's estimated cost, in thousandths of a minor unit. */
  readonly costMilliMinor: number;
}

type MessagePlan =
  | { ok: true; channel: Channel; fallback: readonly Channel[]; reasons: readonly ChannelReason[]; costMilliMinor: number; scheduledFor: string | null }
  | { ok: false; reason: SuppressionReason; detail: string; channel: Channel | null; reasons: readonly ChannelReason[] };

/**
 * The decision for one campaign, one trigger occurrence and one customer: pure, all inputs given,
 * ids derived from the decision's key. Order of the checks: erased, audience, age (alcohol), once per
 * period, global then campaign control group, then the message: channel (consent, reachability,
 * per-channel caps), caps across channels, budget, quiet hours (deferral). A challenge's reward is
 * owed to whoever met it: no control group applies, and a message that cannot go leaves it granted.
 */
export function decideCampaign(input: CampaignDecisionInput): CampaignDecision {
  const { merchant, campaign, occurrence, now } = input;
  const definition = campaign.definition;
  const ids = decisionIds(decisionKey(merchant.id, definition.id, occurrence), occurrence.at);
  const trigger = decisionTriggerOf(occurrence);
  const controls: AppliedControl[] = [];
  const base = { campaignId: definition.id, ruleVersion: campaign.ruleVersion, customerId: occurrence.customerId, trigger };

  const suppress = (reason: SuppressionReason, detail: string | null, conditions: readonly EvaluatedCondition[], channel: Channel | null = null, channelReasons: readonly ChannelReason[] = []): CampaignDecision => ({
    ids,
    outcome: 'suppressed',
    reason,
    appends: [
      {
        streamId: streams.campaign(merchant.id, definition.id),
        events: [
          {
            eventId: ids.decisionEventId,
            type: 'MessageSuppressed',
            data: { ...base, messageId: null, channel, reason, detail: detail?.slice(0, 500) ?? null, conditions: [...conditions], controls: [...controls], channelReasons: [...channelReasons], suppressedAt: now },
          },
        ],
      },
    ],
    message: null,
    bonus: null,
    costMilliMinor: 0,
  });

  if (input.customer === null) {
    controls.push({ control: 'erased', value: true, passed: false, detail: 'the customer was erased or merged' });
    return suppress('erased', 'the customer was erased or merged', []);
  }
  const customer = input.customer;

  const audience = evaluateConditions(campaign.audience, { customer, event: occurrence.facts });
  if (!audience.passed) {
    const failed = audience.conditions.filter((c) => !c.passed).map((c) => c.expression);
    return suppress('audience', `not passed: ${failed.join(' ; ')}`, audience.conditions);
  }

  const age = alcoholAgeControl(merchant.alcohol, definition.promotesAlcohol, customer);
  if (age) {
    controls.push(age);
    if (!age.passed) return suppress('age', age.detail, audience.conditions);
  }

  const past = input.history.decisions.filter((d) => d.campaignId === definition.id);
  const once = oncePerControl(definition.oncePer, past, occurrence.period, now, merchant.timeZone);
  controls.push(once);
  if (!once.passed) return suppress('once-per-period', once.detail, audience.conditions);

  const isChallenge = occurrence.kind === 'challenge';
  let controlGroup = false;
  if (!isChallenge) {
    if (definition.marketing && merchant.globalControlGroupPercent > 0) {
      const bucket = controlBucket(globalControlKey(merchant.id, customer.id));
      const member = inControlGroup(bucket, merchant.globalControlGroupPercent);
      controls.push({
        control: 'global-control-group',
        value: { bucket, percent: merchant.globalControlGroupPercent },
        passed: !member,
        detail: member ? `in the merchant-wide control group (bucket ${bucket} < ${merchant.globalControlGroupPercent} %)` : null,
      });
      controlGroup = member;
    }
    if (!controlGroup && definition.controlGroupPercent > 0) {
      const bucket = controlBucket(campaignControlKey(merchant.id, definition.id, customer.id));
      const member = inControlGroup(bucket, definition.controlGroupPercent);
      controls.push({
        control: 'control-group',
        value: { bucket, percent: definition.controlGroupPercent },
        passed: !member,
        detail: member ? `in the campaign's control group (bucket ${bucket} < ${definition.controlGroupPercent} %)` : null,
      });
      controlGroup = member;
    }
  }

  const triggered = (plan: Extract<MessagePlan, { ok: true }> | null, channelReasons: readonly ChannelReason[]): CampaignDecision => {
    const actions = definition.actions;
    const messageId = plan ? ids.messageId : null;
    const voucher = !controlGroup && actions.voucher ? issueVoucher(input, ids, messageId) : null;
    const bonusPoints = !controlGroup ? actions.bonusPoints : null;
    const appends: PlannedAppend[] = [
      {
        streamId: streams.campaign(merchant.id, definition.id),
        events: [
          {
            eventId: ids.decisionEventId,
            type: 'CampaignTriggered',
            data: {
              ...base,
              conditions: audience.conditions,
              controls: [...controls],
              controlGroup,
              variant: null,
              channel: plan?.channel ?? null,
              channelReasons: [...channelReasons],
              messageId,
              actions: { bonusPoints, voucherId: voucher?.voucherId ?? null },
              triggeredAt: now,
            },
          },
        ],
      },
    ];
    const template = plan ? input.templates[plan.channel] : undefined;
    if (plan && template) {
      appends.push({
        streamId: streams.message(merchant.id, ids.messageId),
        events: [
          {
            eventId: ids.messageQueuedEventId,
            type: 'MessageQueued',
            data: {
              messageId: ids.messageId,
              campaignId: definition.id,
              ruleVersion: campaign.ruleVersion,
              customerId: customer.id,
              channel: plan.channel,
              fallbackChannels: [...plan.fallback],
              purpose: purposeOf(definition.marketing),
              templateId: definition.actions.message!.template,
              templateVersion: template.version,
              locale: template.locale,
              scheduledFor: plan.scheduledFor,
              currency: merchant.currency,
              estimatedCostCents: roundMilliMinor(plan.costMilliMinor),
              voucher: voucher ? { voucherId: voucher.voucherId, code: voucher.code } : null,
              queuedAt: now,
            },
          },
        ],
      });
    }
    const customerEvents: PlannedEvent[] = [];
    if (isChallenge) {
      customerEvents.push({
        eventId: ids.challengeCompletedEventId,
        type: 'ChallengeCompleted',
        data: {
          customerId: customer.id,
          challengeId: definition.id,
          period: occurrence.period,
          purchases: numberFact(occurrence.facts.purchases),
          currency: merchant.currency,
          spendCents: numberFact(occurrence.facts.spendCents),
          bonusPoints: bonusPoints ?? 0,
          completedAt: now,
        },
      });
    }
    if (voucher) customerEvents.push({ eventId: ids.voucherIssuedEventId, type: 'VoucherIssued', data: voucher });
    if (customerEvents.length > 0) appends.push({ streamId: streams.customer(merchant.id, customer.id), events: customerEvents });
    return {
      ids,
      outcome: controlGroup ? 'control-group' : 'triggered',
      reason: null,
      appends,
      message: plan
        ? { messageId: ids.messageId, channel: plan.channel, scheduledFor: plan.scheduledFor, estimatedCostCents: roundMilliMinor(plan.costMilliMinor), marketing: definition.marketing }
        : null,
      bonus: bonusPoints ? { bonusId: ids.bonusId, points: bonusPoints, reason: isChallenge ? 'challenge' : 'bonus', sourceId: definition.id, seed: ids.decisionEventId } : null,
      costMilliMinor: plan?.costMilliMinor ?? 0,
    };
  };

  if (controlGroup || definition.actions.message === null) return triggered(null, []);

  const plan = planMessage(input, controls);
  if (plan.ok) return triggered(plan, plan.reasons);
  // A challenge met keeps its reward when its message cannot go.
  if (isChallenge) return triggered(null, plan.reasons);
  return suppress(plan.reason, plan.detail, audience.conditions, plan.channel, plan.reasons);
}

function planMessage(input: CampaignDecisionInput, controls: AppliedControl[]): MessagePlan {
  const { merchant, campaign, now } = input;
  const definition = campaign.definition;
  const marketing = definition.marketing;
  const history = input.history.messages;
  const choice = chooseChannel({
    preference: definition.actions.message!.channels,
    purpose: purposeOf(marketing),
    contact: input.contact,
    templates: new Set(Object.keys(input.templates) as Channel[]),
    caps: marketing ? input.frequencyCaps.filter((c) => c.channel !== null) : [],
    history,
    now,
  });
  controls.push({
    control: 'channel',
    value: choice.channel,
    passed: choice.channel !== null,
    detail: choice.channel === null ? 'no channel is consented, reachable and under its cap' : choice.fallback.length > 0 ? `falls back to ${choice.fallback.join(', ')}` : null,
  });
  if (choice.channel === null) {
    const reason: SuppressionReason = choice.reasons.some((r) => r.reason === 'frequency-cap')
      ? 'frequency-cap'
      : choice.reasons.some((r) => r.reason === 'unreachable' || r.reason === 'no-template')
        ? 'unreachable'
        : 'no-consent';
    const detail = choice.reasons.map((r) => `${r.channel}: ${r.detail ?? r.reason}`).join('; ');
    return { ok: false, reason, detail, channel: null, reasons: choice.reasons };
  }
  const channel = choice.channel;

  if (marketing) {
    for (const cap of evaluateCaps(input.frequencyCaps, history, now, null)) {
      controls.push({ control: 'frequency-cap', value: { count: cap.count, max: cap.cap.max, days: cap.cap.days }, passed: cap.passed, detail: describeCap(cap) });
      if (!cap.passed) return { ok: false, reason: 'frequency-cap', detail: describeCap(cap), channel, reasons: choice.reasons };
    }
  }

  const costMilliMinor = estimatedCostMilliMinor(channel, merchant.channelPrices);
  const budget = budgetControl(definition.monthlyBudgetCents, input.spentThisMonthMilliMinor, costMilliMinor, budgetMonth(now, merchant.timeZone));
  if (budget) {
    controls.push(budget);
    if (!budget.passed) return { ok: false, reason: 'budget', detail: budget.detail ?? 'over budget', channel, reasons: choice.reasons };
  }

  let scheduledFor: string | null = null;
  if (marketing && quietHoursApply(merchant.quietHours, channel)) {
    const allowed = nextAllowedInstant(now, merchant.quietHours, merchant.timeZone);
    scheduledFor = allowed === now ? null : allowed;
    controls.push({
      control: 'quiet-hours',
      value: { scheduledFor },
      passed: true,
      detail: scheduledFor === null ? null : `deferred to ${scheduledFor}: ${channel} goes out ${merchant.quietHours.from}–${merchant.quietHours.to} on ${merchant.quietHours.days.join(', ')}${merchant.quietHours.publicHolidays ? ', no public holiday' : ''}`,
    });
  }
  return { ok: true, channel, fallback: choice.fallback, reasons: choice.reasons, costMilliMinor, scheduledFor };
}

function issueVoucher(input: CampaignDecisionInput, ids: DecisionIds, messageId: string | null): EventData<'VoucherIssued'> {
  const voucher = input.campaign.definition.actions.voucher!;
  if (input.voucherCode === null) throw new TypeError(`Campaign ${input.campaign.definition.id} issues vouchers: the decision needs a voucher code`);
  return {
    customerId: input.occurrence.customerId,
    voucherId: ids.voucherId,
    code: input.voucherCode,
    campaignId: input.campaign.definition.id,
    messageId,
    kind: voucher.valueCents !== null ? 'amount' : 'percent',
    currency: input.merchant.currency,
    valueCents: voucher.valueCents,
    percent: voucher.percent,
    minimumPurchaseCents: voucher.minimumPurchaseCents,
    issuedAt: input.now,
    expiresAt: endOfLocalDayAfter(input.now, { days: voucher.validityDays }, input.merchant.timeZone),
  };
}

/** Marketing messages need the marketing consent; the others (a points reminder) the loyalty one. */
export function purposeOf(marketing: boolean): ConsentPurpose {
  return marketing ? 'marketing' : 'loyalty';
}

function numberFact(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}
