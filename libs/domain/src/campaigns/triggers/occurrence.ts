import type { DecisionTrigger, TriggerType } from '../../events/campaign.events.js';

/**
 * One firing of a campaign's trigger for one customer: what the decision records as its trigger, the
 * facts its audience reads as `event`, and the instant its derived ids carry.
 */
export interface TriggerOccurrence {
  readonly kind: DecisionTrigger['kind'];
  readonly type: TriggerType;
  readonly customerId: string;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly schedule: string | null;
  /** What the decision is once per (see DecisionTrigger.period); part of the decision's key. */
  readonly period: string;
  readonly description: string;
  /**
   * A stable instant of the occasion (the trigger event's business time; a time trigger's nominal
   * firing time, even when caught up later; a challenge period's start; a launch's time): ids
   * derived from the decision carry it, so re-deciding later derives the same ids.
   */
  readonly at: string;
  /** `event` in the audience (see facts/event-facts.ts). */
  readonly facts: Readonly<Record<string, unknown>>;
}

export function decisionTriggerOf(occurrence: TriggerOccurrence): DecisionTrigger {
  const { kind, type, eventId, eventType, schedule, period, description } = occurrence;
  return { kind, type, eventId, eventType, schedule, period, description: description.slice(0, 500) };
}
