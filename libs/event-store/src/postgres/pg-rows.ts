import type { EventMetadata, LogPosition, RecordedEvent } from '../event-store.js';

export interface EventRow {
  global_position: string;
  tx: string;
  stream_id: string;
  stream_position: string;
  event_type: string;
  data: unknown;
  metadata: EventMetadata;
}

// The text cast gets its own alias: an ORDER BY naming transaction_id must sort by the xid8 column,
// not by its text (where "999" sorts after "1000").
export const EVENT_COLUMNS = 'global_position, transaction_id::text AS tx, stream_id, stream_position, event_type, data, metadata';

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    streamId: row.stream_id,
    streamPosition: BigInt(row.stream_position),
    position: { commit: BigInt(row.tx), prepare: BigInt(row.global_position) },
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
  };
}

/** PostgreSQL positions are (xid8, bigint); START maps to (0, 0), below any real transaction id. */
export function toPgPosition(p: LogPosition): [string, string] {
  return [p.commit < 0n ? '0' : p.commit.toString(), p.prepare < 0n ? '0' : p.prepare.toString()];
}
