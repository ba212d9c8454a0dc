import type { EventMetadata, LogPosition, RecordedEvent } from '../event-store.js';

/**
 * An event row fetched with `rowMode: 'array'`, in the order of EVENT_COLUMNS. Arrays rather than
 * keyed rows: a catch-up read turns thousands of rows a page into events, and the keyed objects it no longer
 * builds were a good part of its garbage.
 */
export type EventRow = [
  globalPosition: string,
  tx: string,
  streamId: string,
  streamPosition: string,
  eventType: string,
  data: unknown,
  metadata: EventMetadata,
];

// The text cast gets its own alias: an ORDER BY naming transaction_id must sort by the xid8 column,
// not by its text (where "999" sorts after "1000").
export const EVENT_COLUMNS = 'global_position, transaction_id::text AS tx, stream_id, stream_position, event_type, data, metadata';

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    streamId: row[2],
    streamPosition: bigintOf(row[3]),
    position: { commit: bigintOf(row[1]), prepare: bigintOf(row[0]) },
    type: row[4],
    data: row[5],
    metadata: row[6],
  };
}

/**
 * Three of these per event read: through a number when the digits fit one exactly (below 10^15 <
 * 2^53), which is several times faster than parsing the text as a bigint.
 */
function bigintOf(digits: string): bigint {
  return digits.length < 16 ? BigInt(Number(digits)) : BigInt(digits);
}

/** PostgreSQL positions are (xid8, bigint); START maps to (0, 0), below any real transaction id. */
export function toPgPosition(p: LogPosition): [string, string] {
  return [p.commit < 0n ? '0' : p.commit.toString(), p.prepare < 0n ? '0' : p.prepare.toString()];
}
