import { eventTypeFilter, excludeSystemEvents, streamNameFilter, type Filter, type FilterBase } from '@eventstore/db-client';
import type { EventFilter } from '../event-store.js';

/**
 * ESDB's own records ($stats, $projections, $$metadata, $> links, $metadata, ...) live in streams or
 * carry types starting with `$`. They are not ours and never reach a reader of this port.
 */
export function isSystemEvent(event: { readonly streamId: string; readonly type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}

function prefixes(list: readonly string[] | undefined): readonly string[] | null {
  return list && list.length > 0 ? list : null;
}

/**
 * The whole filter, applied on our side to every event that reaches us. A server-side filter already
 * dropped most of what this rejects; running it again costs little and covers what the server cannot
 * express in one filter (both kinds of prefix) or does not know about (system events under a prefix).
 */
export function matchesFilter(event: { readonly streamId: string; readonly type: string }, filter?: EventFilter): boolean {
  if (isSystemEvent(event)) return false;
  const types = prefixes(filter?.eventTypePrefixes);
  const streams = prefixes(filter?.streamPrefixes);
  if (types && !types.some((p) => event.type.startsWith(p))) return false;
  if (streams && !streams.some((p) => event.streamId.startsWith(p))) return false;
  return true;
}

/**
 * One ESDB subscription takes one filter: on stream names or on event types, never both. When both
 * kinds of prefix are given, the stream prefixes go to the server (they name a category or a tenant,
 * so they usually cut the most) and matchesFilter applies the type prefixes. With no prefix at all the
 * server still excludes system event types, so a subscription is always a filtered one: filtered
 * subscriptions report checkpoints, which keep a quiet subscriber's checkpoint moving.
 */
export function toServerFilter(filter: EventFilter | undefined, checkpointReached?: FilterBase['checkpointReached']): Filter {
  const options = checkpointReached ? { checkpointReached } : {};
  const streams = prefixes(filter?.streamPrefixes);
  if (streams) return streamNameFilter({ prefixes: [...streams], ...options });
  const types = prefixes(filter?.eventTypePrefixes);
  if (types) return eventTypeFilter({ prefixes: [...types], ...options });
  return excludeSystemEvents(options);
}
