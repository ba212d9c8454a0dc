import type { DomainEvent, EventData, EventType } from './catalog.js';

/**
 * How a stored event of a superseded type reads as its next version. A released event type is never
 * edited: a change is a new type (`…V2`) and an entry here, and every reader of stored events (the
 * engine's folds, the projections, the subscriptions) passes events through `upcast`, so that the code
 * of today handles only current types while the store keeps every event as it was written.
 */
const UPCASTERS = {
  CustomersMerged: {
    to: 'CustomersMergedV2',
    upcast: (v1: EventData<'CustomersMerged'>): EventData<'CustomersMergedV2'> => {
      const { lots, debtPoints, purchases, rewards } = v1.transferred;
      return {
        survivorId: v1.survivorId,
        mergedId: v1.mergedId,
        role: v1.role,
        // Version 1 was written while a merchant's currency could only be EUR.
        currency: 'EUR',
        mergedAt: v1.mergedAt,
        transferred: {
          lots,
          debtPoints,
          // Version 1 handed over every purchase; the survivor keeps those still open for refunds.
          refundablePurchases: purchases,
          // As version 1 was read: a purchase's spend, net of its refunds, counted at its purchase date.
          spend: purchases.flatMap((p) => [
            { at: p.purchasedAt, cents: p.totalCents },
            ...(p.refundedCents > 0 ? [{ at: p.purchasedAt, cents: -p.refundedCents }] : []),
          ]),
          rewards,
        },
      };
    },
  },
} as const satisfies { readonly [T in EventType]?: { readonly to: EventType; readonly upcast: (data: EventData<T>) => unknown } };

/**
 * Fields that released types gained, with the one value every event stored without them has. A
 * field may be added to a released type in place (rather than as a new type) only when the events
 * stored before it all had the same value for it, fixed by the schema of their time, so that reading
 * it in invents nothing. `currency` came with merchants in currencies other than the euro: until
 * then every amount was in EUR (PurchaseRecorded said so with its `currency: "EUR"`).
 */
const ADDED_FIELDS = {
  PurchaseRefunded: { currency: 'EUR' },
  TierChanged: { currency: 'EUR' },
  RewardIssued: { currency: 'EUR' },
  ChallengeCompleted: { currency: 'EUR' },
  VoucherIssued: { currency: 'EUR' },
  VoucherRedeemed: { currency: 'EUR' },
  MessageQueued: { currency: 'EUR' },
  MessageSent: { currency: 'EUR' },
  CampaignLaunched: { currency: 'EUR' },
  SegmentChanged: { currency: 'EUR' },
  CustomersMergedV2: { currency: 'EUR' },
} as const satisfies { readonly [T in EventType]?: Partial<EventData<T>> };

const ADDED_FIELD_TYPES: ReadonlyMap<string, readonly [string, unknown][]> = new Map(
  Object.entries(ADDED_FIELDS).map(([type, fields]) => [type, Object.entries(fields)]),
);

/** The data with every field its type gained since it was stored, at the value it then had. */
function withAddedFields(type: string, data: unknown): unknown {
  const added = ADDED_FIELD_TYPES.get(type);
  if (!added || typeof data !== 'object' || data === null) return data;
  const missing = added.filter(([field]) => !Object.hasOwn(data, field));
  return missing.length === 0 ? data : { ...Object.fromEntries(missing), ...data };
}

/** The types that gained a field in place, each with the value read into events stored before it. */
export const ADDED_FIELD_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = ADDED_FIELDS;

type Upcasters = typeof UPCASTERS;
export type SupersededEventType = keyof Upcasters;
export type CurrentEventType = Exclude<EventType, SupersededEventType>;
/** An event of a type that is decided today. */
export type CurrentEvent = Exclude<DomainEvent, { type: SupersededEventType }>;

export const SUPERSEDED_EVENT_TYPES = Object.keys(UPCASTERS) as SupersededEventType[];

export function isSuperseded(type: string): type is SupersededEventType {
  return Object.hasOwn(UPCASTERS, type);
}

/** The current type a stored type reads as (itself when it is current). */
export function currentTypeOf(type: EventType): CurrentEventType {
  let current: EventType = type;
  while (isSuperseded(current)) current = UPCASTERS[current].to;
  return current as CurrentEventType;
}

/** Every stored type that reads as one of `types`: what a reader of those types must receive. */
export function storedTypesOf(types: readonly CurrentEventType[]): EventType[] {
  const wanted = new Set<EventType>(types);
  return [...types, ...SUPERSEDED_EVENT_TYPES.filter((type) => wanted.has(currentTypeOf(type)))];
}

/**
 * A stored event as today's code reads it: an event of a superseded type goes through its upcasters
 * (V1 → V2 → …), and an event stored before its type gained a field gets that field at the value it
 * had then (ADDED_FIELDS), keeping everything else it carries (metadata, position); any other comes
 * back as is.
 */
export function upcast(event: DomainEvent): CurrentEvent;
export function upcast<E extends { readonly type: string; readonly data: unknown }>(event: E): E;
export function upcast<E extends { readonly type: string; readonly data: unknown }>(event: E): E {
  let current = event;
  while (isSuperseded(current.type)) {
    const step: { readonly to: EventType; readonly upcast: (data: never) => unknown } = UPCASTERS[current.type];
    current = { ...current, type: step.to, data: step.upcast(current.data as never) };
  }
  const data = withAddedFields(current.type, current.data);
  return data === current.data ? current : { ...current, data };
}
