import { storedTypesOf, upcast, type CurrentEventType, type EventData, type EventType } from '@relance/domain';
import type { EventMetadata, LogPosition } from '@relance/event-store';
import type { Sql, ident } from '@relance/platform';

/** A table name chosen at run time: the live table, or its `_next` twin during a rebuild. */
export type TableName = ReturnType<typeof ident>;

/**
 * A stored event as projections receive it, typed by the catalog (of any version: read it through
 * `ofType`, which upcasts). It was validated when it was appended (the write side's boundary);
 * projections trust the log rather than parse a million events again.
 */
export type ProjectedEvent = {
  [T in EventType]: {
    readonly type: T;
    readonly data: EventData<T>;
    readonly metadata: EventMetadata;
    readonly streamId: string;
    readonly streamPosition: bigint;
    readonly position: LogPosition;
  };
}[EventType];

export type ProjectedEventOf<T extends EventType> = Extract<ProjectedEvent, { type: T }>;

/**
 * What the runner tells projections about a sealed profile. Projections store the sealed profile as
 * the event carries it; the birth date is the one field they read out of it, to derive the birthday
 * and "adult since" columns that time-based rules query, and of the postal address they learn only
 * whether it is complete. Names, email, phone and address never leave the runner in clear.
 */
export interface ProfileFacts {
  /** False when the customer's key is destroyed (erased): the birth date is then unknown. */
  readonly readable: boolean;
  /** YYYY-MM-DD, or null when the profile has none. */
  readonly birthDate: string | null;
  /** The profile holds a postal address a letter can go to: street line, postal code and city. */
  readonly postalReachable: boolean;
}

/** What a projection may know besides the events. Everything here was resolved before `apply`. */
export interface ProjectionContext {
  table(name: string): TableName;
  /** The local calendar date of an instant in the merchant's time zone. */
  localDate(merchantId: string, instant: string): string;
  /** What the sealed profile of a CustomerEnrolled or CustomerProfileUpdated event says of the birth date. */
  profileOf(eventId: string): ProfileFacts;
}

/**
 * A read model. `apply` is pure: from a batch of events (in log order, all after the projection's
 * checkpoint, all of a type it handles) to the SQL statements that bring its tables up to date.
 * The runner executes them with the checkpoint, in one transaction. A projection reads and writes
 * its own `tables` only: the projections of one batch may commit in separate transactions (a rebuild
 * splits them over two connections), each with its own checkpoint.
 */
export interface Projection {
  readonly name: string;
  /** Raised when `apply` changes what rows it writes: the stored rows then need a rebuild. */
  readonly version: number;
  /** Live table names, in the order their `_next` twins are created and swapped. */
  readonly tables: readonly string[];
  /** Stored types it receives: list current types through `handling`, which adds their older versions. */
  readonly handles: readonly EventType[];
  /** Reads profile facts (context.profileOf): the runner then opens the batch's sealed profiles. */
  readonly opensProfiles?: boolean;
  apply(events: readonly ProjectedEvent[], context: ProjectionContext): Sql[];
}

/**
 * The events of a batch of these (current) types, in order, each read as the current version: an
 * event stored under a superseded type goes through its upcasters (events/upcasters.ts), so that
 * projections handle current types only and stored events of every version project alike.
 */
export function ofType<T extends CurrentEventType>(events: readonly ProjectedEvent[], ...types: T[]): ProjectedEventOf<T>[] {
  const wanted = new Set<string>(types);
  const found: ProjectedEventOf<T>[] = [];
  for (const stored of events) {
    const event = upcast(stored);
    if (wanted.has(event.type)) found.push(event as ProjectedEventOf<T>);
  }
  return found;
}

/** The stored types a projection of these current types receives: them, and every older version of them. */
export function handling(...types: CurrentEventType[]): EventType[] {
  return storedTypesOf(types);
}
