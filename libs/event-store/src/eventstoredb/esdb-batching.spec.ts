import { describe, expect, it } from '@jest/globals';
import { START, type LogPosition, type RecordedEvent } from '../event-store.js';
import { BatchAccumulator, type BatchAccumulatorOptions, type SubscriptionSignal } from './esdb-batching.js';

const at = (p: number): LogPosition => ({ commit: BigInt(p), prepare: BigInt(p) });
const event = (p: number, streamId = 'card-1', type = 'PointsEarned'): SubscriptionSignal => ({
  kind: 'event',
  event: { streamId, streamPosition: 0n, position: at(p), type, data: { p }, metadata: {} } as RecordedEvent,
});
const positions = (events: readonly RecordedEvent[]) => events.map((e) => Number(e.position.commit));

function accumulator(options: Partial<BatchAccumulatorOptions> = {}): BatchAccumulator {
  return new BatchAccumulator({ batchSize: 3, from: START, head: null, ...options });
}

describe('grouping events into batches', () => {
  it('waits while more events are already there, and cuts at batchSize', () => {
    const acc = accumulator();
    acc.add(event(10));
    expect(acc.shouldFlush(true)).toBe(false);
    acc.add(event(20));
    acc.add(event(30));
    expect(acc.shouldFlush(true)).toBe(true);
    const batch = acc.flush(true);
    expect(positions(batch.events)).toEqual([10, 20, 30]);
    expect(batch.checkpoint).toEqual(at(30));
    expect(batch.caughtUp).toBe(false);
  });

  it('hands out a partial batch as soon as nothing more is waiting', () => {
    const acc = accumulator();
    acc.add(event(10));
    expect(acc.shouldFlush(false)).toBe(true);
    expect(positions(acc.flush(false).events)).toEqual([10]);
    expect(acc.shouldFlush(false)).toBe(false);
  });

  it('does not flush when nothing changed', () => {
    expect(accumulator({ from: at(50) }).shouldFlush(false)).toBe(false);
  });
});

describe('checkpoints', () => {
  it('move past events the filter drops, with an empty batch when nothing matched', () => {
    const acc = accumulator({ filter: { streamPrefixes: ['card-'] } });
    acc.add(event(10, 'merchant-1'));
    acc.add(event(20, '$stats-node', '$statsCollected'));
    expect(acc.shouldFlush(false)).toBe(true);
    expect(acc.flush(false)).toEqual({ events: [], checkpoint: at(20), caughtUp: false });
  });

  it("move to the server's filter checkpoint, never backwards", () => {
    const acc = accumulator();
    acc.add(event(100));
    acc.flush(false);
    acc.add({ kind: 'checkpoint', position: { commit: 500n, prepare: 0n } });
    expect(acc.flush(false).checkpoint).toEqual({ commit: 500n, prepare: 0n });
    acc.add({ kind: 'checkpoint', position: at(300) });
    expect(acc.shouldFlush(false)).toBe(false);
    expect(acc.checkpoint).toEqual({ commit: 500n, prepare: 0n });
  });

  it('only count as delivered once their batch is handed out', () => {
    const acc = accumulator({ from: at(5) });
    acc.add(event(10));
    acc.add(event(20));
    expect(acc.checkpoint).toEqual(at(5));
    acc.flush(false);
    expect(acc.checkpoint).toEqual(at(20));
  });

  it('drop events at or before what was already seen, as a resubscription may send them again', () => {
    const acc = accumulator({ from: at(20) });
    acc.add(event(10));
    acc.add(event(20));
    acc.add(event(30));
    expect(positions(acc.flush(false).events)).toEqual([30]);
  });
});

describe('caught up', () => {
  it('is reported when the server says so and nothing is left waiting', () => {
    const acc = accumulator();
    acc.add(event(10));
    acc.add({ kind: 'caught-up' });
    expect(acc.shouldFlush(false)).toBe(true);
    expect(acc.flush(false)).toMatchObject({ checkpoint: at(10), caughtUp: true });
  });

  it('is reported once with an empty batch when the server says so between batches', () => {
    const acc = accumulator();
    acc.add(event(10));
    acc.flush(false);
    acc.add({ kind: 'caught-up' });
    expect(acc.shouldFlush(false)).toBe(true);
    expect(acc.flush(false)).toEqual({ events: [], checkpoint: at(10), caughtUp: true });
    expect(acc.shouldFlush(false)).toBe(false);
  });

  it('stays true for every later batch that empties the buffer, and false for one cut short', () => {
    const acc = accumulator({ batchSize: 2 });
    acc.add({ kind: 'caught-up' });
    acc.flush(false);
    acc.add(event(10));
    acc.add(event(20));
    expect(acc.flush(true).caughtUp).toBe(false);
    acc.add(event(30));
    expect(acc.flush(false).caughtUp).toBe(true);
  });

  it('is worked out from the head position when the server never says (servers before 23.10)', () => {
    const acc = accumulator({ head: at(30) });
    acc.add(event(10));
    expect(acc.flush(false).caughtUp).toBe(false);
    acc.add({ kind: 'checkpoint', position: at(30) });
    expect(acc.flush(false)).toMatchObject({ checkpoint: at(30), caughtUp: true });
  });

  it('is withdrawn when the server says it fell behind, and reported again when it catches up', () => {
    const acc = accumulator({ head: at(10) });
    acc.add(event(10));
    expect(acc.flush(false).caughtUp).toBe(true);
    acc.add({ kind: 'fell-behind' });
    acc.add(event(20));
    expect(acc.flush(false).caughtUp).toBe(false);
    acc.add({ kind: 'caught-up' });
    expect(acc.flush(false)).toEqual({ events: [], checkpoint: at(20), caughtUp: true });
  });

  it('is not reported twice when the server confirms what the head already showed', () => {
    const acc = accumulator({ head: at(10) });
    acc.add(event(10));
    expect(acc.flush(false).caughtUp).toBe(true);
    acc.add({ kind: 'caught-up' });
    expect(acc.shouldFlush(false)).toBe(false);
  });

  it('is immediate for a subscription that starts at the head', () => {
    const acc = accumulator({ from: at(30), head: at(30) });
    expect(acc.shouldFlush(false)).toBe(true);
    expect(acc.flush(false)).toEqual({ events: [], checkpoint: at(30), caughtUp: true });
  });
});
