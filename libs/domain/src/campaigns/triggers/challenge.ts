import type { EventData } from '../../events/catalog.js';
import { addDaysToLocalDate, addMonthsToLocalDate, instantAtLocalTime, localDateOf } from '../../shared/local-time.js';
import { evaluateConditions } from '../cel/conditions.js';
import type { TriggerOf } from '../config/campaign.schema.js';
import type { CompiledCampaign } from '../config/parse-campaigns.js';
import type { TriggerEvent } from './event-triggers.js';
import { purchaseFacts } from './event-triggers.js';
import type { TriggerOccurrence } from './occurrence.js';

/*
 * Challenges ("3 purchases in December → 200 points"): a customer's progress in a period, moved by
 * each purchase that counts, and completed once per (challenge, period). Refunds do not undo a
 * challenge met: the reward was earned when the purchases were made.
 */

export interface ChallengeProgress {
  readonly period: string;
  readonly purchases: number;
  readonly spendCents: number;
  readonly completed: boolean;
  /** Purchases already counted: a purchase handed in twice counts once. */
  readonly purchaseIds: readonly string[];
}

export interface ChallengePeriod {
  /** "2026-12", "2026-Q4", "2026". */
  readonly key: string;
  /** First and last local days of the period. */
  readonly from: string;
  readonly to: string;
}

/** The challenge period a local date falls in, or null when that period does not run (months filter). */
export function challengePeriodOf(trigger: TriggerOf<'challenge'>, date: string): ChallengePeriod | null {
  const year = date.slice(0, 4);
  const month = Number(date.slice(5, 7));
  const startMonth = trigger.period === 'month' ? month : trigger.period === 'quarter' ? month - ((month - 1) % 3) : 1;
  if (trigger.months.length > 0 && !trigger.months.includes(startMonth)) return null;
  const from = `${year}-${String(startMonth).padStart(2, '0')}-01`;
  const length = trigger.period === 'month' ? 1 : trigger.period === 'quarter' ? 3 : 12;
  const last = addDaysToLocalDate(addMonthsToLocalDate(from, length), -1);
  const key = trigger.period === 'month' ? from.slice(0, 7) : trigger.period === 'quarter' ? `${year}-Q${(startMonth + 2) / 3}` : year;
  return { key, from, to: last };
}

export interface ChallengeStep {
  /** The progress after the purchase (unchanged when it does not count). */
  readonly progress: ChallengeProgress | null;
  /** The completion this purchase brings, once per period. */
  readonly completed: TriggerOccurrence | null;
}

/**
 * Moves a customer's progress with one of their purchases. `progress` is what was recorded for the
 * customer (any period: a purchase in a new period starts from zero).
 */
export function advanceChallenge(
  campaign: CompiledCampaign,
  progress: ChallengeProgress | null,
  purchase: TriggerEvent,
  timeZone: string,
): ChallengeStep {
  const trigger = campaign.definition.trigger;
  if (trigger.type !== 'challenge') throw new TypeError(`Campaign ${campaign.definition.id} is not a challenge`);
  if (purchase.type !== 'PurchaseRecorded' || campaign.definition.status !== 'active') return { progress, completed: null };
  const data = purchase.data as EventData<'PurchaseRecorded'>;
  if (data.customerId === null) return { progress, completed: null };
  const period = challengePeriodOf(trigger, localDateOf(data.purchasedAt, timeZone));
  if (!period) return { progress, completed: null };
  const facts = purchaseFacts(data, timeZone);
  if (campaign.filter && !evaluateConditions(campaign.filter, { event: facts }).passed) return { progress, completed: null };

  const current: ChallengeProgress =
    progress && progress.period === period.key ? progress : { period: period.key, purchases: 0, spendCents: 0, completed: false, purchaseIds: [] };
  if (current.purchaseIds.includes(data.purchaseId)) return { progress: current, completed: null };
  const next: ChallengeProgress = {
    period: period.key,
    purchases: current.purchases + 1,
    spendCents: current.spendCents + data.totalCents,
    completed: current.completed,
    purchaseIds: [...current.purchaseIds, data.purchaseId],
  };
  if (current.completed || !challengeMet(trigger, next)) return { progress: next, completed: null };
  const done = { ...next, completed: true };
  return {
    progress: done,
    completed: {
      kind: 'challenge',
      type: 'challenge',
      customerId: data.customerId,
      eventId: purchase.eventId,
      eventType: purchase.type,
      schedule: null,
      period: period.key,
      description: `challenge met in ${period.key}: ${done.purchases} purchases, ${done.spendCents} cents`,
      at: instantAtLocalTime(period.from, '00:00', timeZone),
      facts: { challengeId: campaign.definition.id, period: period.key, purchases: done.purchases, spendCents: done.spendCents },
    },
  };
}

export function challengeMet(trigger: TriggerOf<'challenge'>, progress: Pick<ChallengeProgress, 'purchases' | 'spendCents'>): boolean {
  if (trigger.purchases !== null) return progress.purchases >= trigger.purchases;
  return trigger.spendCents !== null && progress.spendCents >= trigger.spendCents;
}
