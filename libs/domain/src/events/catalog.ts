import type { z } from 'zod';
import { CampaignLaunched, CampaignTriggered, MessageSuppressed } from './campaign.events.js';
import { ConsentGranted, ConsentWithdrawn } from './consent.events.js';
import { CustomerEnrolled, CustomerErased, CustomerProfileUpdated, CustomersMerged, CustomersMergedV2 } from './customer.events.js';
import {
  ChallengeCompleted,
  PointsAdjusted,
  PointsEarned,
  PointsExpired,
  PointsRedeemed,
  RewardIssued,
  RewardRedeemed,
  TierChanged,
} from './loyalty.events.js';
import {
  MessageClicked,
  MessageDelivered,
  MessageFailed,
  MessageOpened,
  MessageQueued,
  MessageRerouted,
  MessageSent,
} from './message.events.js';
import { ProgramActivated } from './program.events.js';
import { PurchaseRecorded, PurchaseRefunded, VisitRecorded } from './purchase.events.js';
import { RfmBaselineRecorded, SegmentChanged } from './segment.events.js';
import { VoucherIssued, VoucherRedeemed } from './voucher.events.js';
import { unstorableParts } from './storable.js';

/**
 * The event catalog: every event type with the schema of its data, superseded versions included (the
 * store holds them for ever). A released type is never edited; a change is a new type (`…V2`) plus an
 * upcaster in events/upcasters.ts, through which every reader sees stored events as the current type.
 *
 * The campaign half (CampaignTriggered, MessageSuppressed, CampaignLaunched, the message events,
 * VoucherIssued, VoucherRedeemed, ChallengeCompleted, RfmBaselineRecorded) was settled in place
 * before its first writer: no released component had appended any of them (only tests did), so no
 * stored event holds an earlier shape and no upcaster is owed. OfferRedeemed left the catalog then:
 * VoucherRedeemed is the one redemption event, linked to its campaign.
 */
export const EVENT_SCHEMAS = {
  CustomerEnrolled,
  CustomerProfileUpdated,
  CustomersMerged,
  CustomersMergedV2,
  CustomerErased,
  ConsentGranted,
  ConsentWithdrawn,
  PurchaseRecorded,
  PurchaseRefunded,
  VisitRecorded,
  PointsEarned,
  PointsRedeemed,
  PointsExpired,
  PointsAdjusted,
  TierChanged,
  RewardIssued,
  RewardRedeemed,
  ChallengeCompleted,
  SegmentChanged,
  RfmBaselineRecorded,
  CampaignTriggered,
  MessageSuppressed,
  CampaignLaunched,
  MessageQueued,
  MessageSent,
  MessageDelivered,
  MessageFailed,
  MessageRerouted,
  MessageOpened,
  MessageClicked,
  VoucherIssued,
  VoucherRedeemed,
  ProgramActivated,
} as const;

export type EventType = keyof typeof EVENT_SCHEMAS;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_SCHEMAS)[T]>;
export type DomainEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

export type CustomerEvent = EventOf<'CustomerEnrolled' | 'CustomerProfileUpdated' | 'CustomersMergedV2' | 'CustomerErased'>;
export type ConsentEvent = EventOf<'ConsentGranted' | 'ConsentWithdrawn'>;
export type PurchaseEvent = EventOf<'PurchaseRecorded' | 'PurchaseRefunded' | 'VisitRecorded'>;
export type LoyaltyEvent = EventOf<
  | 'PointsEarned'
  | 'PointsRedeemed'
  | 'PointsExpired'
  | 'PointsAdjusted'
  | 'TierChanged'
  | 'RewardIssued'
  | 'RewardRedeemed'
  | 'ChallengeCompleted'
>;
export type SegmentEvent = EventOf<'SegmentChanged' | 'RfmBaselineRecorded'>;
export type CampaignEvent = EventOf<'CampaignTriggered' | 'MessageSuppressed' | 'CampaignLaunched'>;
/** MessageSuppressed is also appended on a message stream, by delivery. */
export type MessageEvent = EventOf<
  'MessageQueued' | 'MessageSent' | 'MessageDelivered' | 'MessageFailed' | 'MessageOpened' | 'MessageClicked' | 'MessageSuppressed'
>;
export type VoucherEvent = EventOf<'VoucherIssued' | 'VoucherRedeemed'>;
export type ProgramEvent = EventOf<'ProgramActivated'>;

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_SCHEMAS, type);
}

export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly eventType: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid ${eventType} event: ${issues.join('; ')}`);
  }
}

/**
 * Validates an event at a boundary (before append, or when reading events written by others). An
 * event it returns is one every projection can apply: its schema holds (LIMITS included), and no
 * string anywhere in it, typed `unknown` fields and record keys included, is text PostgreSQL refuses.
 */
export function parseEvent(type: string, data: unknown): DomainEvent {
  if (!isEventType(type)) throw new InvalidEventError(type, ['unknown event type']);
  const result = EVENT_SCHEMAS[type].safeParse(data);
  if (!result.success) {
    throw new InvalidEventError(
      type,
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const unstorable = unstorableParts(result.data);
  if (unstorable.length > 0) throw new InvalidEventError(type, unstorable.map((u) => `${u.path.join('.') || '(root)'}: ${u.reason}`));
  return { type, data: result.data } as DomainEvent;
}
