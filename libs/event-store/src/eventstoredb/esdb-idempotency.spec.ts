import { describe, expect, it } from '@jest/globals';
import { PartialDuplicateAppendError, START, WrongExpectedRevisionError } from '../event-store.js';
import {
  TAIL_WINDOW,
  appendNothing,
  duplicateOf,
  esdbRecognisedRetry,
  planAppend,
  tailSize,
  type StoredEvent,
  type StreamTail,
} from './esdb-idempotency.js';

const ID = (n: number) => `0190a1b2-c3d4-7e5f-8a9b-${String(n).padStart(12, '0')}`;
const stored = (n: number, revision: bigint): StoredEvent => ({
  eventId: ID(n),
  streamPosition: revision,
  position: { commit: 1000n + revision * 100n, prepare: 1000n + revision * 100n },
});
/** A stream holding events with ids 1..count at revisions 0..count-1, newest first as read. */
const tailOf = (count: number): StreamTail =>
  count === 0
    ? { revision: 'no-stream', recent: [] }
    : { revision: BigInt(count - 1), recent: Array.from({ length: count }, (_, i) => stored(i + 1, BigInt(i))).reverse() };

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('how much of the tail to read', () => {
  it('reads one event for a pinned expectation and a window for any/exists', () => {
    expect(tailSize(3n, 5)).toBe(1);
    expect(tailSize('no-stream', 5)).toBe(1);
    expect(tailSize('any', 5)).toBe(5 + TAIL_WINDOW);
    expect(tailSize('exists', 1)).toBe(1 + TAIL_WINDOW);
  });
});

describe('planning an append with a pinned expectation', () => {
  it('writes when the stream is exactly where expected', () => {
    expect(planAppend('s', 2n, tailOf(3), [ID(9)])).toEqual({ kind: 'write', expectedRevision: 2n });
    expect(planAppend('s', 'no-stream', tailOf(0), [ID(9)])).toEqual({ kind: 'write', expectedRevision: 'no_stream' });
  });

  it('looks right after the expected revision when the stream has moved past it', () => {
    expect(planAppend('s', 0n, tailOf(3), [ID(2)])).toEqual({ kind: 'look-for-ids', fromRevision: 1n });
    expect(planAppend('s', 'no-stream', tailOf(2), [ID(1), ID(2)])).toEqual({ kind: 'look-for-ids', fromRevision: 0n });
  });

  it('is a conflict with the actual revision when the stream is behind', () => {
    expect(planAppend('s', 5n, tailOf(3), [ID(9)])).toEqual({ kind: 'conflict', actual: 2n });
    expect(planAppend('s', 0n, tailOf(0), [ID(9)])).toEqual({ kind: 'conflict', actual: 'no-stream' });
  });
});

describe('planning an append with any or exists', () => {
  it('finds a retry among the newest events and writes nothing', () => {
    const plan = planAppend('s', 'any', tailOf(5), [ID(2), ID(3)]);
    expect(plan).toEqual({ kind: 'duplicate', result: { nextExpectedRevision: 2n, position: stored(3, 2n).position, duplicate: true } });
  });

  it('writes with the same expectation when none of the ids is there', () => {
    expect(planAppend('s', 'any', tailOf(5), [ID(9)])).toEqual({ kind: 'write', expectedRevision: 'any' });
    expect(planAppend('s', 'any', tailOf(0), [ID(9)])).toEqual({ kind: 'write', expectedRevision: 'any' });
    expect(planAppend('s', 'exists', tailOf(1), [ID(9)])).toEqual({ kind: 'write', expectedRevision: 'stream_exists' });
  });

  it('rejects exists on a missing stream without writing', () => {
    expect(planAppend('s', 'exists', tailOf(0), [ID(9)])).toEqual({ kind: 'conflict', actual: 'no-stream' });
  });

  it('rejects a batch of which only some ids are stored', () => {
    expect(() => planAppend('s', 'any', tailOf(3), [ID(3), ID(9)])).toThrow(PartialDuplicateAppendError);
  });
});

describe('recognising a stored batch', () => {
  it('returns the first append result: the last of its events', () => {
    const events = [stored(7, 4n), stored(8, 5n), stored(99, 6n)];
    expect(duplicateOf('s', [ID(7), ID(8)], events)).toEqual({ nextExpectedRevision: 5n, position: stored(8, 5n).position, duplicate: true });
  });

  it('compares ids without regard to case', () => {
    expect(duplicateOf('s', [ID(7).toUpperCase()], [stored(7, 0n)])?.duplicate).toBe(true);
  });

  it('is null when none of the ids is stored', () => {
    expect(duplicateOf('s', [ID(1)], [stored(2, 0n)])).toBeNull();
    expect(duplicateOf('s', [ID(1)], [])).toBeNull();
  });

  it('names the ids already stored when only some are', () => {
    const error = thrownBy(() => duplicateOf('s', [ID(1), ID(2), ID(3)], [stored(1, 0n), stored(2, 1n)]));
    expect(error).toBeInstanceOf(PartialDuplicateAppendError);
    expect((error as PartialDuplicateAppendError).duplicateIds).toEqual([ID(1), ID(2)]);
  });
});

describe("ESDB's own recognition of a retry", () => {
  it('is a success whose revision is not past the tail read before the write', () => {
    expect(esdbRecognisedRetry(tailOf(10), 3n)).toBe(true);
    expect(esdbRecognisedRetry(tailOf(10), 9n)).toBe(true);
    expect(esdbRecognisedRetry(tailOf(10), 10n)).toBe(false);
    expect(esdbRecognisedRetry(tailOf(0), 0n)).toBe(false);
  });
});

describe('an empty append', () => {
  it('reports where the stream is without writing', () => {
    expect(appendNothing('s', 'any', tailOf(3))).toEqual({ nextExpectedRevision: 2n, position: stored(3, 2n).position, duplicate: false });
    expect(appendNothing('s', 'no-stream', tailOf(0))).toEqual({ nextExpectedRevision: -1n, position: START, duplicate: false });
    expect(appendNothing('s', 2n, tailOf(3)).nextExpectedRevision).toBe(2n);
  });

  it('still checks the expectation', () => {
    expect(() => appendNothing('s', 1n, tailOf(3))).toThrow(WrongExpectedRevisionError);
    expect(() => appendNothing('s', 'exists', tailOf(0))).toThrow(WrongExpectedRevisionError);
    expect(thrownBy(() => appendNothing('s', 'no-stream', tailOf(1)))).toMatchObject({ expected: 'no-stream', actual: 0n });
  });
});
