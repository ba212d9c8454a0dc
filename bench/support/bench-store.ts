import {
  PostgresEventStore,
  START,
  comparePositions,
  type EventToAppend,
  type LogPosition,
} from '@relance/event-store';
import { createPool } from '@relance/platform';

export interface ReadPage {
  readonly eventIds: readonly string[];
  readonly isEnd: boolean;
  /** False when an event came back out of global order (only checked where positions are comparable). */
  readonly ordered?: boolean;
}

/** What the event store benchmarks drive: ours, or a peer, through the same three operations. */
export interface BenchStore {
  readonly name: string;
  append(streamId: string, events: readonly EventToAppend[]): Promise<void>;
  /** The next page of the whole log for a reader that started at the beginning. */
  readPage(batchSize: number): Promise<ReadPage>;
  close(): Promise<void>;
}

export function relanceStore(connectionString: string, poolSize: number): BenchStore {
  const pool = createPool(connectionString, { max: poolSize, applicationName: 'relance-bench' });
  const store = new PostgresEventStore(pool, { connectionString });
  let after: LogPosition = START;
  return {
    name: 'relance-postgres',
    async append(streamId, events) {
      await store.append(streamId, events, 'any');
    },
    async readPage(batchSize) {
      const slice = await store.readAll({ after, maxCount: batchSize });
      let ordered = true;
      let last = after;
      for (const e of slice.events) {
        if (comparePositions(last, e.position) >= 0) ordered = false;
        last = e.position;
      }
      after = slice.next;
      return { eventIds: slice.events.map((e) => e.metadata.eventId), isEnd: slice.isEnd, ordered };
    },
    async close() {
      await store.close();
      await pool.end();
    },
  };
}
