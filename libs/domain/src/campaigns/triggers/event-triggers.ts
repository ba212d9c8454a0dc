import type { EventData, EventType } from '../../events/catalog.js';
import { localDateOf } from '../../shared/local-time.js';
import { evaluateConditions } from '../cel/conditions.js';
import type { Trigger } from '../config/campaign.schema.js';
import type { CompiledCampaign } from '../config/parse-campaigns.js';
import type { TriggerOccurrence } from './occurrence.js';

/*
 * Event triggers: which stored events fire which campaigns. The runtime's checkpointed subscription
 * hands each event to `matchEventTrigger` for every active campaign; a match is one decision, keyed
 * by (campaign, event id).
 */

/** A stored event as the subscription reads it. */
export interface TriggerEvent {
  readonly type: string;
  readonly data: unknown;
  readonly eventId: string;
  /** Business time (metadata.occurredAt). */
  readonly occurredAt: string;
}

/** What some triggers need besides the event. */
export interface EventTriggerContext {
  readonly timeZone: string;
  /**
   * reward-reachable: the customer's points balance just before and just after the event (the
   * customer stream folded up to the event's revision, excluded and included).
   */
  readonly balance?: { readonly before: number; readonly after: number };
  /** reward-reachable: the point cost of each reward of the program in force. */
  readonly rewardCosts?: Readonly<Record<string, number>>;
}

/** The event types each event trigger listens to: what the subscription must read. */
export const EVENT_TRIGGER_SOURCES = {
  purchase: ['PurchaseRecorded'],
  'tier-changed': ['TierChanged'],
  'segment-entered': ['SegmentChanged'],
  'consent-granted': ['ConsentGranted'],
  'reward-reachable': ['PointsEarned', 'PointsAdjusted'],
  'challenge-completed': ['ChallengeCompleted'],
  challenge: ['PurchaseRecorded'],
} as const satisfies Partial<Record<Trigger['type'], readonly EventType[]>>;

export type EventTrigger = Extract<Trigger, { type: 'purchase' | 'tier-changed' | 'segment-entered' | 'consent-granted' | 'reward-reachable' | 'challenge-completed' }>;

export function isEventTrigger(trigger: Trigger): trigger is EventTrigger {
  return trigger.type !== 'challenge' && Object.hasOwn(EVENT_TRIGGER_SOURCES, trigger.type);
}

/** The occurrence the event gives the campaign, or null when the campaign's trigger does not fire. */
export function matchEventTrigger(campaign: CompiledCampaign, event: TriggerEvent, context: EventTriggerContext): TriggerOccurrence | null {
  if (campaign.definition.status !== 'active') return null;
  const trigger = campaign.definition.trigger;
  const occurrence = (customerId: string, facts: Record<string, unknown>, description: string): TriggerOccurrence => ({
    kind: 'event',
    type: trigger.type,
    customerId,
    eventId: event.eventId,
    eventType: event.type,
    schedule: null,
    period: event.eventId,
    description,
    at: event.occurredAt,
    facts,
  });
  switch (trigger.type) {
    case 'purchase': {
      if (event.type !== 'PurchaseRecorded') return null;
      const data = event.data as EventData<'PurchaseRecorded'>;
      if (data.customerId === null) return null;
      const facts = purchaseFacts(data, context.timeZone);
      if (campaign.filter && !evaluateConditions(campaign.filter, { event: facts }).passed) return null;
      return occurrence(data.customerId, facts, `purchase ${data.purchaseId} of ${formatCents(data.totalCents)}`);
    }
    case 'tier-changed': {
      if (event.type !== 'TierChanged') return null;
      const data = event.data as EventData<'TierChanged'>;
      if (trigger.direction !== null && data.direction !== trigger.direction) return null;
      if (trigger.to.length > 0 && !trigger.to.includes(data.to)) return null;
      const facts = { from: data.from, to: data.to, direction: data.direction, rollingSpendCents: data.rollingSpendCents };
      return occurrence(data.customerId, facts, `tier ${data.direction} from ${data.from ?? 'none'} to ${data.to}`);
    }
    case 'segment-entered': {
      if (event.type !== 'SegmentChanged') return null;
      const data = event.data as EventData<'SegmentChanged'>;
      if (data.to === null || data.to === data.from || !trigger.segments.includes(data.to)) return null;
      return occurrence(data.customerId, { from: data.from, to: data.to }, `entered segment ${data.to} (from ${data.from ?? 'none'})`);
    }
    case 'consent-granted': {
      if (event.type !== 'ConsentGranted') return null;
      const data = event.data as EventData<'ConsentGranted'>;
      if (!trigger.channels.includes(data.channel) || data.purpose !== trigger.purpose) return null;
      return occurrence(data.customerId, { channel: data.channel, purpose: data.purpose, source: data.source }, `${data.channel} ${data.purpose} consent granted`);
    }
    case 'reward-reachable': {
      if (event.type !== 'PointsEarned' && event.type !== 'PointsAdjusted') return null;
      const data = event.data as EventData<'PointsEarned' | 'PointsAdjusted'>;
      const cost = context.rewardCosts?.[trigger.reward];
      const balance = context.balance;
      if (cost === undefined || balance === undefined) {
        throw new TypeError(`reward-reachable needs the balance around event ${event.eventId} and the cost of ${trigger.reward}`);
      }
      if (!rewardReached(balance.before, balance.after, cost)) return null;
      const facts = { rewardId: trigger.reward, costPoints: cost, balanceBefore: balance.before, balanceAfter: balance.after };
      return occurrence(data.customerId, facts, `balance ${balance.before} → ${balance.after} reached ${trigger.reward} (${cost} points)`);
    }
    case 'challenge-completed': {
      if (event.type !== 'ChallengeCompleted') return null;
      const data = event.data as EventData<'ChallengeCompleted'>;
      if (data.challengeId !== trigger.challenge) return null;
      const facts = { challengeId: data.challengeId, period: data.period, purchases: data.purchases, spendCents: data.spendCents };
      return occurrence(data.customerId, facts, `challenge ${data.challengeId} completed for ${data.period}`);
    }
    default:
      return null;
  }
}

/** Crossing a reward's cost: the balance was below it and now covers it. */
export function rewardReached(before: number, after: number, cost: number): boolean {
  return before < cost && cost <= after;
}

/** A purchase as audiences and filters see it (`event` of a purchase trigger; what a challenge counts). */
export function purchaseFacts(data: EventData<'PurchaseRecorded'>, timeZone: string): Record<string, unknown> {
  const categories = [...new Set(data.lines.map((l) => l.category?.trim().toLowerCase()).filter((c): c is string => !!c))];
  return {
    purchaseId: data.purchaseId,
    storeId: data.storeId,
    channel: data.channel,
    totalCents: data.totalCents,
    itemCount: data.lines.reduce((n, l) => n + l.quantity, 0),
    categories,
    skus: [...new Set(data.lines.map((l) => l.sku))],
    lines: data.lines.map((l) => ({
      sku: l.sku,
      category: l.category === null ? null : l.category.trim().toLowerCase(),
      quantity: l.quantity,
      totalCents: l.totalCents,
      promo: l.promo,
    })),
    rewardsUsed: data.rewardIdsUsed.length,
    purchasedOn: localDateOf(data.purchasedAt, timeZone),
  };
}

function formatCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
