import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresEventStore, comparePositions, type RecordedEvent } from '@relance/event-store';
import { createPool, type Pool } from '@relance/platform';
import { appendToStream } from '../../../libs/event-store/src/postgres/pg-append.js';
import { testEvent, uniquePrefix } from '../../support/events.js';
import { TEST_DATABASE_URL } from '../../support/test-env.js';
import { collect, eventStoreContract } from './event-store.contract.js';

describe('PostgreSQL event store', () => {
  eventStoreContract(async () => {
    const pool = createPool(TEST_DATABASE_URL, { max: 12 });
    const store = new PostgresEventStore(pool, { connectionString: TEST_DATABASE_URL });
    return {
      store,
      dispose: async () => {
        await store.close();
        await pool.end();
      },
    };
  });
});

describe('PostgreSQL event store: transactions that commit late', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  beforeAll(() => {
    pool = createPool(TEST_DATABASE_URL, { max: 6 });
    // A long idle poll proves that live delivery comes from LISTEN/NOTIFY, not from polling.
    store = new PostgresEventStore(pool, { connectionString: TEST_DATABASE_URL, polling: { idlePollMs: 30_000 } });
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
  });

  it('never skips an event whose transaction started first and committed last, however long it stays open', async () => {
    const prefix = uniquePrefix('late');
    const filter = { streamPrefixes: [`${prefix}-`] };
    const start = await store.headPosition();
    const subscription = store.subscribe({ after: start, filter, batchSize: 10 });
    const received: RecordedEvent[] = [];
    const consumer = (async () => {
      for await (const batch of subscription) {
        received.push(...batch.events);
        if (received.length >= 4) break;
      }
    })();

    // The slow transaction takes its transaction id (and identity value) first...
    const slow = await pool.connect();
    await slow.query('BEGIN');
    await appendToStream(slow, `${prefix}-slow`, [testEvent('Slow')], 'no-stream');
    // ...then faster ones commit after it started.
    await store.append(`${prefix}-fast`, [testEvent('Fast1'), testEvent('Fast2')], 'no-stream');
    await store.append(`${prefix}-fast`, [testEvent('Fast3')], 1n);

    // Longer than Marten's default 3 s stale-sequence threshold, after which it would skip.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(received.map((e) => e.type)).toEqual([]);

    await slow.query('COMMIT');
    slow.release();
    await consumer;
    expect(received.map((e) => e.type)).toEqual(['Slow', 'Fast1', 'Fast2', 'Fast3']);
    for (let i = 1; i < received.length; i++) {
      expect(comparePositions(received[i - 1]!.position, received[i]!.position)).toBe(-1);
    }
  });

  it('is not blocked forever by a transaction that rolls back', async () => {
    const prefix = uniquePrefix('rb');
    const filter = { streamPrefixes: [`${prefix}-`] };
    const start = await store.headPosition();
    const aborted = await pool.connect();
    await aborted.query('BEGIN');
    await appendToStream(aborted, `${prefix}-gone`, [testEvent('Gone')], 'no-stream');
    await store.append(`${prefix}-kept`, [testEvent('Kept')], 'no-stream');
    const received = collect(store.subscribe({ after: start, filter }), 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await aborted.query('ROLLBACK');
    aborted.release();
    expect((await received).map((e) => e.type)).toEqual(['Kept']);
  });

  it('wakes an idle subscriber of another process through LISTEN/NOTIFY within a fraction of a second', async () => {
    const prefix = uniquePrefix('wake');
    // A second store instance stands for another process: only PostgreSQL's NOTIFY can wake it.
    const writerPool = createPool(TEST_DATABASE_URL, { max: 2 });
    const writer = new PostgresEventStore(writerPool, { connectionString: TEST_DATABASE_URL });
    const filter = { streamPrefixes: [`${prefix}-`] };
    const subscription = store.subscribe({ after: await store.headPosition(), filter });
    const iterator = subscription[Symbol.asyncIterator]();
    // Let the subscriber reach the end of the log and start waiting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const appendedAt = Date.now();
    await writer.append(`${prefix}-s`, [testEvent('Ping')], 'no-stream');
    let batch = await iterator.next();
    while (!batch.done && batch.value.events.length === 0) batch = await iterator.next();
    const latency = Date.now() - appendedAt;
    await subscription.close();
    await writer.close();
    await writerPool.end();
    expect(batch.done).toBe(false);
    const events: readonly RecordedEvent[] = batch.done ? [] : batch.value.events;
    expect(events.map((e) => e.type)).toEqual(['Ping']);
    expect(latency).toBeLessThan(2_000);
  });

  it('commits concurrent appends to different streams together, yet judges each one on its own', async () => {
    const prefix = uniquePrefix('group');
    const stored = [testEvent('Stored')];
    await store.append(`${prefix}-dup`, stored, 'no-stream');
    await store.append(`${prefix}-stale`, [testEvent('A'), testEvent('B')], 'no-stream');
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 40 }, (_, i) => store.append(`${prefix}-new-${i}`, [testEvent('New', { i })], 'no-stream')),
      store.append(`${prefix}-stale`, [testEvent('Stale')], 0n),
      store.append(`${prefix}-dup`, stored, 'no-stream'),
      store.append(`${prefix}-missing`, [testEvent('X')], 'exists'),
    ]);
    const fresh = outcomes.slice(0, 40);
    expect(fresh.every((o) => o.status === 'fulfilled' && !o.value.duplicate && o.value.nextExpectedRevision === 0n)).toBe(true);
    expect(outcomes[40]).toMatchObject({ status: 'rejected', reason: { actual: 1n } });
    expect(outcomes[41]).toMatchObject({ status: 'fulfilled', value: { duplicate: true, nextExpectedRevision: 0n } });
    expect(outcomes[42]).toMatchObject({ status: 'rejected', reason: { actual: 'no-stream' } });
    // Appends that waited for an earlier one shared a transaction: the group commit happened.
    const commits = fresh.map((o) => (o.status === 'fulfilled' ? o.value.position.commit : -1n));
    expect(new Set(commits).size).toBeLessThan(commits.length);
    const all = await store.readAll({ filter: { streamPrefixes: [`${prefix}-`] }, maxCount: 1000 });
    expect(all.events.map((e) => e.type).sort()).toEqual(['A', 'B', ...Array.from({ length: 40 }, () => 'New'), 'Stored'].sort());
  });

  it('orders by transaction id as a number, also across a change in digit count', async () => {
    const prefix = uniquePrefix('xid');
    // Transaction ids 999 and 1000 are long finished on any live cluster, so both rows are readable;
    // sorted as text, "1000" would come first.
    await pool.query(
      `INSERT INTO events (transaction_id, stream_id, stream_position, event_id, event_type, data, metadata)
       VALUES ('1000', $1, 0, $2, 'Second', '{}', '{}'), ('999', $3, 0, $4, 'First', '{}', '{}')`,
      [`${prefix}-b`, testEvent('x').metadata.eventId, `${prefix}-a`, testEvent('x').metadata.eventId],
    );
    const slice = await store.readAll({ filter: { streamPrefixes: [`${prefix}-`] } });
    expect(slice.events.map((e) => [e.type, e.position.commit])).toEqual([
      ['First', 999n],
      ['Second', 1000n],
    ]);
    // The head too: sorted as text, the row of transaction 999 would be the last of the log.
    const latest = await store.append(`${prefix}-c`, [testEvent('Latest')], 'no-stream');
    let head = await store.headPosition();
    for (let tries = 0; comparePositions(head, latest.position) < 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      head = await store.headPosition();
    }
    expect(comparePositions(head, latest.position)).toBeGreaterThanOrEqual(0);
  });

  it('moves a filtered checkpoint past events the filter skips', async () => {
    const prefix = uniquePrefix('skip');
    const start = await store.headPosition();
    await store.append(`${prefix}-other`, [testEvent('Other'), testEvent('Other')], 'no-stream');
    const slice = await store.readAll({ after: start, filter: { streamPrefixes: [`${prefix}-mine`] } });
    expect(slice.events).toEqual([]);
    expect(slice.isEnd).toBe(true);
    const other = await store.readStream(`${prefix}-other`);
    expect(comparePositions(slice.next, other.events[1]!.position)).toBe(1);
  });

  it('reads the next page ahead while catching up, and a consumer that stops leaves no read behind', async () => {
    const prefix = uniquePrefix('ahead');
    const start = await store.headPosition();
    for (let n = 0; n < 5; n++) {
      await store.append(`${prefix}-s`, Array.from({ length: 10 }, (_, k) => testEvent(`E${n * 10 + k}`)), n === 0 ? 'no-stream' : BigInt(n * 10 - 1));
    }
    // A store of its own for the subscription: its pool serves nothing but the subscription's reads.
    const readerPool = createPool(TEST_DATABASE_URL, { max: 3 });
    const reader = new PostgresEventStore(readerPool, { connectionString: TEST_DATABASE_URL });
    let reads = 0;
    readerPool.on('acquire', () => reads++);
    try {
      const types: string[] = [];
      for await (const batch of reader.subscribe({ after: start, filter: { streamPrefixes: [`${prefix}-`] }, batchSize: 10 })) {
        if (types.length === 0) {
          // The consumer holds the first page; the second is being read meanwhile.
          for (let waited = 0; reads < 2 && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
          expect(reads).toBe(2);
        }
        types.push(...batch.events.map((e) => e.type));
        if (types.length >= 20) break;
      }
      // Every event once, in order, although a page was read before the consumer asked for it.
      expect(types).toEqual(Array.from({ length: 20 }, (_, k) => `E${k}`));
      // The page read ahead for the consumer that stopped has finished and gone back to the pool.
      expect(readerPool.totalCount - readerPool.idleCount).toBe(0);
      expect(reads).toBe(3);
    } finally {
      await reader.close();
      await readerPool.end();
    }
  });
});
