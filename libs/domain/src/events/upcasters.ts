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
 * (V1 → V2 → …), keeping everything else it carries (metadata, position); any other comes back as is.
 */
export function upcast(event: DomainEvent): CurrentEvent;
export function upcast<E extends { readonly type: string; readonly data: unknown }>(event: E): E;
export function upcast<E extends { readonly type: string; readonly data: unknown }>(event: E): E {
  let current = event;
  while (isSuperseded(current.type)) {
    const step: { readonly to: EventType; readonly upcast: (data: never) => unknown } = UPCASTERS[current.type];
    current = { ...current, type: step.to, data: step.upcast(current.data as never) };
  }
  return current;
}
