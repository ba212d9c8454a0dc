import { dumbo } from '@event-driven-io/dumbo';
import { getPostgreSQLEventStore, readMessagesBatch } from '@event-driven-io/emmett-postgresql';
import type { EventToAppend } from '@relance/event-store';
import type { BenchStore, ReadPage } from '../support/bench-store.js';

/**
 * The peer we measure ourselves against: Emmett's PostgreSQL event store, the closest open-source
 * event store for Node on PostgreSQL (docs/benchmarks.md compares the two), driven
 * with the same events in the same database, so both figures come from one run on one machine.
 * Its reader pages by global_position while ordering by transaction id, so events committed out of
 * order can fall behind its cursor; the benchmarks count them as gaps.
 */
export async function emmettPeer(connectionString: string): Promise<BenchStore> {
  const store = getPostgreSQLEventStore(connectionString);
  await store.schema.migrate();
  const reader = dumbo({ connectionString });
  let after = 0n;
  return {
    name: 'emmett-postgresql-0.42',
    async append(streamId: string, events: readonly EventToAppend[]) {
      const batch = events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata: { ...e.metadata } }));
      // Two writers creating the same stream at once make one of them fail even without an expected
      // version; a client retries, and so does the benchmark (our store retries such races itself).
      for (let attempt = 1; ; attempt++) {
        try {
          await store.appendToStream(streamId, batch);
          return;
        } catch (error) {
          if (attempt >= 5 || !/Expected version/.test((error as Error).message)) throw error;
        }
      }
    },
    async readPage(batchSize: number): Promise<ReadPage> {
      const page = await readMessagesBatch(reader.execute, { after, batchSize });
      after = page.currentGlobalPosition;
      return {
        eventIds: page.messages.map((m) => String((m.metadata as { eventId?: string }).eventId)),
        isEnd: !page.areMessagesLeft,
      };
    },
    async close() {
      await store.close();
      await reader.close();
    },
  };
}
