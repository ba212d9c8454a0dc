import { EventMetadata, parseEvent, type DomainEvent } from '@relance/domain';
import type { EventToAppend } from '@relance/event-store';
import { derivedEventId } from './derived-ids.js';
import type { CommandEnvelope } from './command-envelope.js';

export interface PreparedAppend<E> {
  /** The events as the catalog parsed them. */
  readonly events: E[];
  readonly toAppend: EventToAppend[];
}

/**
 * What the write path does to decided events before it appends them, in memory: validates each
 * against the catalog and gives it its metadata, with an id derived from the command's seed and the
 * event's place in the append (so a re-executed command derives the same ids).
 */
export function prepareAppend<E extends DomainEvent>(
  events: readonly E[],
  envelope: CommandEnvelope,
  step: string,
  occurredAt: string,
  recordedAt: string,
): PreparedAppend<E> {
  const parsed = events.map((e) => parseEvent(e.type, e.data) as E);
  // Every event of an append shares its metadata but the id (derived, so valid by construction):
  // validating it once covers them all.
  const shared = EventMetadata.parse({
    eventId: derivedEventId(envelope.seed, `${step}:0`),
    merchantId: envelope.merchantId,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    actor: envelope.actor,
    occurredAt,
    recordedAt,
  });
  const toAppend = parsed.map((event, i): EventToAppend => ({
    type: event.type,
    data: event.data,
    metadata: i === 0 ? shared : { ...shared, eventId: derivedEventId(envelope.seed, `${step}:${i}`) },
  }));
  return { events: parsed, toAppend };
}
