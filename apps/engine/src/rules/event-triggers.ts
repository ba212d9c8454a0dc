import {
  advanceChallenge,
  EVENT_TRIGGER_SOURCES,
  isEventTrigger,
  matchEventTrigger,
  parseStreamId,
  type ChallengeProgress,
  type TriggerEvent,
} from '@relance/domain';
import type { RecordedEvent } from '@relance/event-store';
import type pg from 'pg';
import { readChallengeProgress, writeChallengeProgress } from './challenge-progress.sql.js';
import type { Candidate } from './evaluation.js';
import type { MerchantRules } from './rule-book.js';

/** The event types the rules subscription reads: every event trigger's. */
export const RULES_EVENT_TYPES: readonly string[] = [...new Set(Object.values(EVENT_TRIGGER_SOURCES).flat())];

/** The streams of a merchant the rules subscription reads. */
export function rulesStreamPrefixes(merchantId: string): string[] {
  return [`customer-${merchantId}.`, `segments-${merchantId}`];
}

export function merchantOf(event: RecordedEvent): string {
  return event.metadata.merchantId ?? parseStreamId(event.streamId).merchantId;
}

function triggerEvent(event: RecordedEvent): TriggerEvent {
  return { type: event.type, data: event.data, eventId: event.metadata.eventId, occurredAt: event.metadata.occurredAt };
}

/**
 * The candidates a merchant's events of one batch give: every active campaign whose event trigger
 * matches, and every challenge a purchase completes (its progress recorded in the caller's
 * transaction, under the merchant's lock). A balance crossing a reward's cost needs the balance
 * around the event; see `rewardBalance`.
 */
export async function eventCandidates(db: pg.PoolClient, rules: MerchantRules, events: readonly RecordedEvent[]): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  const timeZone = rules.merchant.timeZone;
  const rewardCosts = Object.fromEntries(rules.merchant.program.definition.rewards.map((r) => [r.id, r.costPoints]));
  for (const campaign of rules.active) {
    const trigger = campaign.definition.trigger;
    if (trigger.type === 'challenge') {
      candidates.push(...(await challengeCandidates(db, rules, campaign, events)));
      continue;
    }
    if (!isEventTrigger(trigger)) continue;
    const sources: readonly string[] = EVENT_TRIGGER_SOURCES[trigger.type];
    for (const event of events) {
      if (!sources.includes(event.type)) continue;
      const context =
        trigger.type === 'reward-reachable' ? { timeZone, rewardCosts, balance: await rewardBalance(db, rules.merchant.id, event) } : { timeZone };
      const occurrence = matchEventTrigger(campaign, triggerEvent(event), context);
      if (occurrence) candidates.push({ campaign, occurrence });
    }
  }
  return candidates;
}

async function challengeCandidates(db: pg.PoolClient, rules: MerchantRules, campaign: Candidate['campaign'], events: readonly RecordedEvent[]): Promise<Candidate[]> {
  const purchases = events.filter((e) => e.type === 'PurchaseRecorded' && (e.data as { customerId: string | null }).customerId !== null);
  if (purchases.length === 0) return [];
  const customerIds = [...new Set(purchases.map((e) => (e.data as { customerId: string }).customerId))];
  const progress = await readChallengeProgress(db, rules.merchant.id, campaign.definition.id, customerIds);
  const changed = new Map<string, ChallengeProgress>();
  const candidates: Candidate[] = [];
  for (const event of purchases) {
    const customerId = (event.data as { customerId: string }).customerId;
    const step = advanceChallenge(campaign, progress.get(customerId) ?? null, triggerEvent(event), rules.merchant.timeZone);
    if (step.progress && step.progress !== progress.get(customerId)) {
      progress.set(customerId, step.progress);
      changed.set(customerId, step.progress);
    }
    if (step.completed) candidates.push({ campaign, occurrence: step.completed });
  }
  await writeChallengeProgress(db, rules.merchant.id, campaign.definition.id, changed);
  return candidates;
}

/**
 * The customer's balance just before and just after a points event: the points ledger (read model)
 * of the events recorded before it, and the event's own movement. The rules subscription waits for
 * the points projection to pass the event before it decides, so the ledger holds everything before it.
 */
async function rewardBalance(db: pg.PoolClient, merchantId: string, event: RecordedEvent): Promise<{ before: number; after: number }> {
  const data = event.data as { customerId: string; points: number };
  const { rows } = await db.query<{ before: string }>(
    `SELECT COALESCE(sum(l.points), 0)::text AS before FROM points_ledger l
      WHERE l.merchant_id = $1 AND l.customer_id = $2 AND l.event_id <> $3::uuid
        AND l.occurred_at <= (SELECT occurred_at FROM points_ledger WHERE merchant_id = $1 AND event_id = $3::uuid)`,
    [merchantId, data.customerId, event.metadata.eventId],
  );
  const before = Number(rows[0]?.before ?? 0);
  return { before, after: before + data.points };
}
