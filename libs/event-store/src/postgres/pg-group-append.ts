import type pg from 'pg';
import type { AppendResult, EventToAppend, ExpectedRevision } from '../event-store.js';
import { appendToStream, validateAppend } from './pg-append.js';

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

// Several appends, to distinct streams, in one statement and one commit. Each stream's expectation is
// checked on its own: a stream whose check fails inserts nothing and is retried alone by the caller.
const APPEND_GROUP = {
  name: 'relance_events_append_group',
  text: `
WITH slots AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS s(stream_id, kind, expected, slot)
), cur AS (
  SELECT s.slot, s.stream_id,
         COALESCE((SELECT max(e.stream_position) FROM events e WHERE e.stream_id = s.stream_id), -1) AS rev,
         s.kind, s.expected
    FROM slots s
), ok AS (
  SELECT * FROM cur
   WHERE CASE kind WHEN 'any' THEN true WHEN 'no-stream' THEN rev = -1 WHEN 'exists' THEN rev >= 0 ELSE rev = expected END
), ins AS (
  INSERT INTO events (stream_id, stream_position, event_id, event_type, data, metadata)
  SELECT ok.stream_id, ok.rev + (i.v->>'o')::int, (i.v->>'i')::uuid, i.v->>'t', i.v->'d', i.v->'m'
    FROM jsonb_array_elements($4::jsonb) AS i(v)
    JOIN ok ON ok.slot = (i.v->>'s')::int
   ORDER BY ok.stream_id, (i.v->>'o')::int
  RETURNING stream_id, stream_position, global_position, transaction_id
)
SELECT c.slot::int AS slot, count(ins.stream_id)::int AS inserted,
       max(ins.stream_position)::text AS last_stream_position,
       max(ins.global_position)::text AS last_global_position,
       min(ins.transaction_id::text) AS tx
  FROM cur c LEFT JOIN ins ON ins.stream_id = c.stream_id
 GROUP BY c.slot`,
};

interface GroupRow {
  slot: number;
  inserted: number;
  last_stream_position: string | null;
  last_global_position: string | null;
  tx: string | null;
}

/**
 * Group commit for appends. Concurrent appends to different streams travel together: one statement,
 * one round trip, one commit, instead of one each. On a machine where a round trip and a commit cost
 * far more than the rows they carry, that is most of the cost of a small append.
 *
 * An append still succeeds or fails alone: a stream whose expected revision does not hold is retried
 * by itself (which reports the conflict or recognises a retried append), and when the group's statement
 * fails as a whole (a race on a unique index with another process), every append is retried alone.
 * Nothing is acknowledged before its commit. An idle store sends an append at once; a group forms only
 * from what arrives while earlier ones are in flight.
 */
export class GroupAppender {
  private queue: PendingAppend[] = [];
  private inFlight = 0;
  /** Streams with an append in flight: a second append to one of them waits for the next group. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxInFlight = 2,
    private readonly maxGroupEvents = 2000,
  ) {}

  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    validateAppend(streamId, events);
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, events, expected, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const group: PendingAppend[] = [];
      const waiting: PendingAppend[] = [];
      let size = 0;
      for (const pending of this.queue) {
        const fits = group.length === 0 || size + pending.events.length <= this.maxGroupEvents;
        if (fits && !this.busy.has(pending.streamId) && pending.events.length > 0) {
          group.push(pending);
          this.busy.add(pending.streamId);
          size += pending.events.length;
        } else {
          waiting.push(pending);
        }
      }
      this.queue = waiting;
      if (group.length === 0) {
        // Only appends to busy streams (or empty appends) are left: send one of them alone.
        const next = this.queue.find((p) => p.events.length === 0);
        if (!next) return;
        this.queue = this.queue.filter((p) => p !== next);
        group.push(next);
      }
      this.inFlight++;
      void this.send(group).finally(() => {
        this.inFlight--;
        for (const p of group) this.busy.delete(p.streamId);
        this.pump();
      });
    }
  }

  private async send(group: readonly PendingAppend[]): Promise<void> {
    if (group.length === 1) return this.alone(group[0]!);
    let rows: GroupRow[];
    try {
      rows = (await this.pool.query<GroupRow>({ ...APPEND_GROUP, values: groupValues(group) })).rows;
    } catch (error) {
      if (!isRace(error)) {
        for (const p of group) p.reject(error);
        return;
      }
      await Promise.all(group.map((p) => this.alone(p)));
      return;
    }
    const retry: PendingAppend[] = [];
    for (const row of rows) {
      const pending = group[row.slot - 1]!;
      if (row.inserted === pending.events.length) {
        pending.resolve({
          nextExpectedRevision: BigInt(row.last_stream_position!),
          position: { commit: BigInt(row.tx!), prepare: BigInt(row.last_global_position!) },
          duplicate: false,
        });
      } else {
        retry.push(pending);
      }
    }
    await Promise.all(retry.map((p) => this.alone(p)));
  }

  private async alone(p: PendingAppend): Promise<void> {
    try {
      p.resolve(await appendToStream(this.pool, p.streamId, p.events, p.expected));
    } catch (error) {
      p.reject(error);
    }
  }
}

function groupValues(group: readonly PendingAppend[]): unknown[] {
  // One JSON array for all the group's events, each with its slot (the append) and its order in it:
  // parsed once by PostgreSQL (see eventsAsJson).
  const events: unknown[] = [];
  group.forEach((p, slot) => {
    p.events.forEach((e, i) => events.push({ s: slot + 1, o: i + 1, i: e.metadata.eventId.toLowerCase(), t: e.type, d: e.data, m: e.metadata }));
  });
  return [
    group.map((p) => p.streamId),
    group.map((p) => (typeof p.expected === 'bigint' ? 'exact' : p.expected)),
    group.map((p) => (typeof p.expected === 'bigint' ? p.expected.toString() : null)),
    JSON.stringify(events),
  ];
}

/** A unique index (another writer, or ids already stored) or a deadlock between writers: retry alone. */
function isRace(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === '40P01';
}
