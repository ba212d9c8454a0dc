import type { EventToAppend } from '../event-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The PostgreSQL adapter's rules, plus two of ESDB's: names starting with `$` belong to the server
 * (metadata streams, settings, projections), and readers of this port skip them, so an event written
 * there would be stored and never seen.
 */
export function validateAppend(streamId: string, events: readonly EventToAppend[]): void {
  if (!streamId || streamId.length > 512) throw new TypeError('Stream id must be 1-512 characters');
  if (streamId.startsWith('$')) throw new TypeError(`Stream id "${streamId}": names starting with $ are EventStoreDB's own`);
  const seen = new Set<string>();
  for (const e of events) {
    if (!e.type) throw new TypeError(`Event without a type in stream "${streamId}"`);
    if (e.type.startsWith('$')) throw new TypeError(`Event type "${e.type}": types starting with $ are EventStoreDB's own`);
    if (e.data === undefined) throw new TypeError(`Event ${e.type}: data must be JSON (undefined is not)`);
    const id = e.metadata?.eventId;
    if (typeof id !== 'string' || !UUID.test(id)) throw new TypeError(`Event ${e.type}: metadata.eventId must be a UUID`);
    if (seen.has(id.toLowerCase())) throw new TypeError(`Event id ${id} appears twice in one append`);
    seen.add(id.toLowerCase());
  }
}
