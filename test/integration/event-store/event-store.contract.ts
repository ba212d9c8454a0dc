import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  START,
  WrongExpectedRevisionError,
  comparePositions,
  type EventStore,
  type LogPosition,
  type RecordedEvent,
  type Subscription,
} from '@relance/event-store';
import { testEvent, uniquePrefix } from '../../support/events.js';

export interface ContractSubject {
  readonly store: EventStore;
  dispose(): Promise<void>;
}

/**
 * The behaviour every event store adapter must have. Each adapter's spec calls this once; the
 * PostgreSQL adapter always runs it, the EventStoreDB adapter when EVENTSTORE_URL is set.
 */
export function eventStoreContract(createSubject: () => Promise<ContractSubject>): void {
  let subject: ContractSubject;
  let store: EventStore;
  beforeAll(async () => {
    subject = await createSubject();
    store = subject.store;
  });
  afterAll(async () => subject?.dispose());

  describe('appending with an expected revision', () => {
    it('creates a stream with no-stream and reads it back forwards and backwards', async () => {
      const stream = `${uniquePrefix('c')}-s`;
      const events = [testEvent('Tested', { n: 0 }), testEvent('Tested', { n: 1 }), testEvent('Tested', { n: 2 })];
      const result = await store.append(stream, events, 'no-stream');
      expect(result.nextExpectedRevision).toBe(2n);
      expect(result.duplicate).toBe(false);

      const forwards = await store.readStream(stream);
      expect(forwards.revision).toBe(2n);
      expect(forwards.events.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2]);
      expect(forwards.events.map((e) => e.streamPosition)).toEqual([0n, 1n, 2n]);
      expect(forwards.events[0]!.metadata.eventId).toBe(events[0]!.metadata.eventId);
      expect(comparePositions(forwards.events[2]!.position, result.position)).toBe(0);

      const backwards = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
      expect(backwards.events.map((e) => e.streamPosition)).toEqual([2n, 1n]);
      expect(backwards.revision).toBe(2n);

      const tail = await store.readStream(stream, { fromRevision: 1n });
      expect(tail.events.map((e) => e.streamPosition)).toEqual([1n, 2n]);
    });

    it('reports a missing stream as no-stream with no events', async () => {
      const slice = await store.readStream(`${uniquePrefix('c')}-missing`);
      expect(slice).toEqual({ events: [], revision: 'no-stream' });
    });

    it('reads several streams at once, each slice as its own read gives it, in the order asked', async () => {
      const prefix = uniquePrefix('c');
      await store.append(`${prefix}-a`, [testEvent('Tested', { n: 0 }), testEvent('Tested', { n: 1 })], 'no-stream');
      await store.append(`${prefix}-b`, [testEvent('Tested', { n: 10 })], 'no-stream');
      const ids = [`${prefix}-b`, `${prefix}-missing`, `${prefix}-a`, `${prefix}-b`];
      const slices = await store.readStreams(ids);
      expect(slices.map((s) => [s.revision, s.events.map((e) => (e.data as { n: number }).n)])).toEqual([
        [0n, [10]],
        ['no-stream', []],
        [1n, [0, 1]],
        [0n, [10]],
      ]);
      expect(slices[2]).toEqual(await store.readStream(`${prefix}-a`));
      expect(await store.readStreams([])).toEqual([]);
    });

    it('appends at an exact revision and rejects a stale one with the actual revision', async () => {
      const stream = `${uniquePrefix('c')}-exact`;
      await store.append(stream, [testEvent('A'), testEvent('B')], 'no-stream');
      const next = await store.append(stream, [testEvent('C')], 1n);
      expect(next.nextExpectedRevision).toBe(2n);

      const stale = store.append(stream, [testEvent('D')], 1n);
      await expect(stale).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(stale).rejects.toMatchObject({ streamId: stream, expected: 1n, actual: 2n });
      const ahead = store.append(stream, [testEvent('D')], 5n);
      await expect(ahead).rejects.toMatchObject({ actual: 2n });
      expect((await store.readStream(stream)).events).toHaveLength(3);
    });

    it('rejects no-stream on an existing stream and exists on a missing one', async () => {
      const stream = `${uniquePrefix('c')}-ns`;
      await store.append(stream, [testEvent('A')], 'no-stream');
      await expect(store.append(stream, [testEvent('B')], 'no-stream')).rejects.toMatchObject({ actual: 0n });
      const missing = `${uniquePrefix('c')}-missing`;
      await expect(store.append(missing, [testEvent('B')], 'exists')).rejects.toMatchObject({ actual: 'no-stream' });
      expect((await store.readStream(missing)).revision).toBe('no-stream');
      const ok = await store.append(stream, [testEvent('C')], 'exists');
      expect(ok.nextExpectedRevision).toBe(1n);
    });

    it('appends with any whatever the stream holds', async () => {
      const stream = `${uniquePrefix('c')}-any`;
      expect((await store.append(stream, [testEvent('A')], 'any')).nextExpectedRevision).toBe(0n);
      expect((await store.append(stream, [testEvent('B'), testEvent('C')], 'any')).nextExpectedRevision).toBe(2n);
    });

    it('lets exactly one of two racing exact-revision appends win', async () => {
      const stream = `${uniquePrefix('c')}-race`;
      await store.append(stream, [testEvent('A')], 'no-stream');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => store.append(stream, [testEvent('B', { writer: i })], 0n)),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((x) => x.status === 'rejected')) {
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
      }
      const slice = await store.readStream(stream);
      expect(slice.events.map((e) => e.streamPosition)).toEqual([0n, 1n]);
    });

    it('serialises racing any-revision appends without losing or forking any', async () => {
      const stream = `${uniquePrefix('c')}-anyrace`;
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(stream, [testEvent('X', { i })], 'any')));
      const slice = await store.readStream(stream);
      expect(slice.events.map((e) => e.streamPosition)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
      expect(new Set(slice.events.map((e) => (e.data as { i: number }).i)).size).toBe(20);
    });
  });

  describe('idempotent appends', () => {
    it('stores a re-appended batch once and returns the first result', async () => {
      const stream = `${uniquePrefix('c')}-idem`;
      const batch = [testEvent('A'), testEvent('B')];
      const first = await store.append(stream, batch, 'no-stream');
      // A client retrying after a lost response sends the same ids with the same expectation.
      const again = await store.append(stream, batch, 'no-stream');
      expect(again.duplicate).toBe(true);
      expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
      expect(comparePositions(again.position, first.position)).toBe(0);
      const withAny = await store.append(stream, batch, 'any');
      expect(withAny.duplicate).toBe(true);
      expect((await store.readStream(stream)).events).toHaveLength(2);
    });

    it('recognises a retry even after the stream has moved on', async () => {
      const stream = `${uniquePrefix('c')}-idem2`;
      const batch = [testEvent('A')];
      await store.append(stream, batch, 'no-stream');
      await store.append(stream, [testEvent('B')], 0n);
      const retry = await store.append(stream, batch, 'no-stream');
      expect(retry).toMatchObject({ duplicate: true, nextExpectedRevision: 0n });
      expect((await store.readStream(stream)).events).toHaveLength(2);
    });
  });

  describe('reading all events', () => {
    it('returns events after a position in global order, filtered by stream or type prefix', async () => {
      const prefix = uniquePrefix('c');
      const start = await store.headPosition();
      await store.append(`${prefix}-a`, [testEvent(`${prefix}Alpha`), testEvent(`${prefix}Beta`)], 'no-stream');
      await store.append(`${prefix}-b`, [testEvent(`${prefix}Alpha`)], 'no-stream');

      const byStream = await readEverything(store, start, { streamPrefixes: [`${prefix}-`] });
      expect(byStream.map((e) => `${e.streamId}:${e.streamPosition}`)).toEqual([`${prefix}-a:0`, `${prefix}-a:1`, `${prefix}-b:0`]);
      assertIncreasing(byStream);

      const byType = await readEverything(store, start, { eventTypePrefixes: [`${prefix}Alpha`] });
      expect(byType.map((e) => `${e.streamId}:${e.type}`)).toEqual([`${prefix}-a:${prefix}Alpha`, `${prefix}-b:${prefix}Alpha`]);
    });

    it('pages with maxCount and reports the end', async () => {
      const prefix = uniquePrefix('c');
      const start = await store.headPosition();
      await store.append(`${prefix}-p`, Array.from({ length: 5 }, (_, i) => testEvent('Paged', { i })), 'no-stream');
      const filter = { streamPrefixes: [`${prefix}-`] };
      const first = await store.readAll({ after: start, maxCount: 3, filter });
      expect(first.events).toHaveLength(3);
      expect(first.isEnd).toBe(false);
      const rest = await readEverything(store, first.next, filter);
      expect(rest.map((e) => (e.data as { i: number }).i)).toEqual([3, 4]);
    });

    it('moves the head position forward on append, never past a transaction still open', async () => {
      const before = await store.headPosition();
      const result = await store.append(`${uniquePrefix('c')}-h`, [testEvent('Head')], 'no-stream');
      // The head is the end of the settled log: while an older append to this log (another test
      // file's, say) is still in flight, it stays below that append, so it may reach ours a moment
      // later. Transactions that do not append (in this database or any other) do not hold it back.
      let after = await store.headPosition();
      for (let tries = 0; comparePositions(after, result.position) < 0 && tries < 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        after = await store.headPosition();
      }
      expect(comparePositions(after, result.position)).toBeGreaterThanOrEqual(0);
      expect(comparePositions(after, before)).toBe(1);
      expect(comparePositions(START, after)).toBe(-1);
    });
  });

  describe('the backlog of a reader', () => {
    it('counts the events after a position that match the filter, and the age of the oldest', async () => {
      const prefix = uniquePrefix('c');
      const start = await store.headPosition();
      const first = await store.append(`${prefix}-a`, [testEvent('A1'), testEvent('A2')], 'no-stream');
      await store.append(`${prefix}-b`, [testEvent('B1')], 'no-stream');
      const mine = { streamPrefixes: [`${prefix}-`] };
      expect(await store.backlog(start, mine)).toMatchObject({ events: 3, complete: true });
      expect(await store.backlog(first.position, mine)).toMatchObject({ events: 1, complete: true });
      expect(await store.backlog(start, { streamPrefixes: [`${prefix}-b`] })).toMatchObject({ events: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const aged = await store.backlog(start, mine);
      expect(aged.seconds).toBeGreaterThanOrEqual(1);
      expect(aged.seconds).toBeLessThan(60);
      const [last] = (await store.readStream(`${prefix}-b`)).events;
      expect(await store.backlog(last!.position, mine)).toEqual({ events: 0, complete: true, seconds: 0 });
    });
  });

  describe('catch-up subscriptions', () => {
    it('delivers history, then live events, and resumes from a stored checkpoint without gaps or repeats', async () => {
      const prefix = uniquePrefix('c');
      const filter = { streamPrefixes: [`${prefix}-`] };
      const start = await store.headPosition();
      await store.append(`${prefix}-1`, Array.from({ length: 30 }, (_, i) => testEvent('Hist', { i })), 'no-stream');

      const first = store.subscribe({ after: start, filter, batchSize: 7 });
      const seen: RecordedEvent[] = [];
      let checkpoint = start;
      let wentLive = false;
      for await (const batch of first) {
        seen.push(...batch.events);
        checkpoint = batch.checkpoint;
        if (batch.caughtUp && !wentLive) {
          wentLive = true;
          await store.append(`${prefix}-1`, [testEvent('Live', { i: 30 })], 29n);
        }
        if (seen.length >= 31) break;
      }
      expect(seen.map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 31 }, (_, i) => i));

      await store.append(`${prefix}-2`, [testEvent('After', { i: 31 }), testEvent('After', { i: 32 })], 'no-stream');
      const resumed = await collect(store.subscribe({ after: checkpoint, filter }), 2);
      expect(resumed.map((e) => (e.data as { i: number }).i)).toEqual([31, 32]);
    });

    it('delivers every event of 8 concurrent writers x 5,000 exactly once in commit-consistent order', async () => {
      const prefix = uniquePrefix('c');
      const filter = { streamPrefixes: [`${prefix}-`] };
      const writers = 8;
      const perWriter = 5_000;
      const start = await store.headPosition();
      const subscription = store.subscribe({ after: start, filter, batchSize: 1_000 });
      const received = collect(subscription, writers * perWriter, 120_000);

      const appended = new Set<string>();
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          let sent = 0;
          let round = 0;
          while (sent < perWriter) {
            // Batch sizes vary from 1 to 25 and each writer spreads over 20 streams, some shared with
            // another writer, so appends interleave and some race on the same stream.
            const size = Math.min(perWriter - sent, 1 + ((w * 7 + round * 13) % 25));
            const stream = `${prefix}-${(w + round) % 20}`;
            const batch = Array.from({ length: size }, (_, k) => testEvent('Load', { w, n: sent + k }));
            await store.append(stream, batch, 'any');
            for (const e of batch) appended.add(e.metadata.eventId);
            sent += size;
            round++;
          }
        }),
      );
      const events = await received;
      expect(events).toHaveLength(writers * perWriter);
      const ids = events.map((e) => e.metadata.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => appended.has(id))).toBe(true);
      assertIncreasing(events);
      // Each stream's events arrive in stream order with no hole: the order a reader sees is one that
      // committed transactions could have produced.
      const perStream = new Map<string, bigint>();
      for (const e of events) {
        const expected = perStream.get(e.streamId) ?? 0n;
        expect(e.streamPosition).toBe(expected);
        perStream.set(e.streamId, expected + 1n);
      }
      // Each writer's events keep the order the writer appended them in.
      const lastPerWriter = new Map<number, number>();
      for (const e of events) {
        const { w, n } = e.data as { w: number; n: number };
        expect(n).toBeGreaterThan(lastPerWriter.get(w) ?? -1);
        lastPerWriter.set(w, n);
      }
    });
  });
}

async function readEverything(
  store: EventStore,
  after: LogPosition,
  filter: { streamPrefixes?: string[]; eventTypePrefixes?: string[] },
): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let position = after;
  for (;;) {
    const slice = await store.readAll({ after: position, maxCount: 100, filter });
    out.push(...slice.events);
    position = slice.next;
    if (slice.isEnd) return out;
  }
}

export async function collect(subscription: Subscription, count: number, timeoutMs = 20_000): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  const timer = setTimeout(() => void subscription.close(), timeoutMs);
  try {
    for await (const batch of subscription) {
      out.push(...batch.events);
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    await subscription.close();
  }
  return out;
}

export function assertIncreasing(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    if (comparePositions(events[i - 1]!.position, events[i]!.position) >= 0) {
      throw new Error(`Events ${i - 1} and ${i} are not in increasing global order: ${events.slice(Math.max(0, i - 3), i + 3).map((e) => `${e.streamId}@${e.streamPosition} ${e.position.commit}/${e.position.prepare}`).join(", ")}`);
    }
  }
}
