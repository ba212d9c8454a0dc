import { describe, expect, it } from '@jest/globals';
import { StreamNotFoundError, UnavailableError, WrongExpectedVersionError } from '@eventstore/db-client';
import { START, WrongExpectedRevisionError, type EventToAppend } from '../event-store.js';
import {
  UNKNOWN_POSITION_PART,
  fromEsdbMetadata,
  isStreamNotFound,
  isWrongExpectedVersion,
  pinnedRevision,
  toActualRevision,
  toEsdbConnectionString,
  toEsdbEvent,
  toEsdbExpectedRevision,
  toEsdbReadPosition,
  toLogPosition,
  toRecordedEvent,
  toWrongExpectedRevisionError,
} from './esdb-mapping.js';
import { toResolved } from './esdb-fake-server.test-support.js';

const metadata = {
  eventId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  merchantId: 'm-1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  actor: 'system:test',
  occurredAt: '2025-01-01T00:00:00.000Z',
  recordedAt: '2025-01-01T00:00:01.000Z',
};

describe('log positions', () => {
  it('maps an ESDB position one to one', () => {
    expect(toLogPosition({ commit: 1234n, prepare: 1200n })).toEqual({ commit: 1234n, prepare: 1200n });
  });

  it('treats the uint64 sentinel, (0, 0) and a missing position as unknown', () => {
    expect(toLogPosition({ commit: UNKNOWN_POSITION_PART, prepare: UNKNOWN_POSITION_PART })).toBeNull();
    expect(toLogPosition({ commit: 5n, prepare: UNKNOWN_POSITION_PART })).toBeNull();
    expect(toLogPosition({ commit: 0n, prepare: 0n })).toBeNull();
    expect(toLogPosition(undefined)).toBeNull();
  });

  it("reads after START from ESDB's start and after a position from that position", () => {
    expect(toEsdbReadPosition(START)).toBe('start');
    expect(toEsdbReadPosition({ commit: 500n, prepare: 500n })).toEqual({ commit: 500n, prepare: 500n });
  });

  it('clamps a negative prepare part, which ESDB cannot take, to 0 of the same commit', () => {
    expect(toEsdbReadPosition({ commit: 500n, prepare: -1n })).toEqual({ commit: 500n, prepare: 0n });
  });
});

describe('expected revisions', () => {
  it("maps each expectation to ESDB's", () => {
    expect(toEsdbExpectedRevision('any')).toBe('any');
    expect(toEsdbExpectedRevision('no-stream')).toBe('no_stream');
    expect(toEsdbExpectedRevision('exists')).toBe('stream_exists');
    expect(toEsdbExpectedRevision(7n)).toBe(7n);
    expect(toEsdbExpectedRevision(0n)).toBe(0n);
    expect(toEsdbExpectedRevision(-1n)).toBe('no_stream');
  });

  it('pins a revision for no-stream and exact expectations only', () => {
    expect(pinnedRevision('no-stream')).toBe(-1n);
    expect(pinnedRevision(3n)).toBe(3n);
    expect(pinnedRevision(-4n)).toBe(-1n);
    expect(pinnedRevision('any')).toBeNull();
    expect(pinnedRevision('exists')).toBeNull();
  });
});

describe('errors', () => {
  it('turns a version conflict into ours, with the actual revision', () => {
    const esdb = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 1n, current: 2n });
    const ours = toWrongExpectedRevisionError('s', 1n, esdb);
    expect(ours).toBeInstanceOf(WrongExpectedRevisionError);
    expect(ours).toMatchObject({ streamId: 's', expected: 1n, actual: 2n });
  });

  it("maps ESDB's no_stream, and a negative revision, to no-stream", () => {
    const esdb = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 'stream_exists', current: 'no_stream' });
    expect(toWrongExpectedRevisionError('s', 'exists', esdb).actual).toBe('no-stream');
    expect(toActualRevision(-1n)).toBe('no-stream');
    expect(toActualRevision(0n)).toBe(0n);
  });

  it('recognises the client errors by kind and nothing else', () => {
    const conflict = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: 1n });
    expect(isWrongExpectedVersion(conflict)).toBe(true);
    expect(isWrongExpectedVersion(new WrongExpectedRevisionError('s', 0n, 1n))).toBe(false);
    expect(isWrongExpectedVersion(new UnavailableError())).toBe(false);
    expect(isStreamNotFound(new StreamNotFoundError(undefined, 's'))).toBe(true);
    expect(isStreamNotFound(new Error('stream-not-found'))).toBe(false);
  });
});

describe('events', () => {
  const event: EventToAppend = { type: 'PointsEarned', data: { points: 10 }, metadata };

  it('uses our event id as the ESDB id and stores JSON with correlation keys ESDB projections know', () => {
    const data = toEsdbEvent(event);
    expect(data).toMatchObject({ id: metadata.eventId, type: 'PointsEarned', contentType: 'application/json', data: { points: 10 } });
    expect(data.metadata).toEqual({ ...metadata, $correlationId: 'corr-1', $causationId: 'cause-1' });
  });

  it('gives a reader back the metadata as appended', () => {
    expect(fromEsdbMetadata(toEsdbEvent(event).metadata)).toEqual(metadata);
    expect(fromEsdbMetadata(new Uint8Array([1, 2]))).toEqual({});
    expect(fromEsdbMetadata(undefined)).toEqual({});
  });

  it('maps a resolved event to a recorded one', () => {
    const resolved = toResolved({
      streamId: 'card-1',
      id: metadata.eventId,
      revision: 4n,
      type: 'PointsEarned',
      data: { points: 10 },
      metadata: toEsdbEvent(event).metadata,
      position: 9_000n,
    });
    expect(toRecordedEvent(resolved)).toEqual({
      streamId: 'card-1',
      streamPosition: 4n,
      position: { commit: 9_000n, prepare: 9_000n },
      type: 'PointsEarned',
      data: { points: 10 },
      metadata,
    });
  });

  it('refuses an event whose position the server did not report rather than inventing one', () => {
    const resolved = toResolved({ streamId: 's', id: 'x', revision: 0n, type: 'T', data: {}, metadata: {}, position: 1n });
    const unknown = { event: { ...resolved.event!, position: { commit: UNKNOWN_POSITION_PART, prepare: UNKNOWN_POSITION_PART } } };
    expect(() => toRecordedEvent(unknown as typeof resolved)).toThrow(/did not report the log position of s@0/);
    expect(() => toRecordedEvent({})).toThrow(/link/);
  });
});

describe('connection strings', () => {
  it('rewrites the KurrentDB schemes the v6 client cannot parse', () => {
    expect(toEsdbConnectionString('kurrentdb://127.0.0.1:2113?tls=false')).toBe('esdb://127.0.0.1:2113?tls=false');
    expect(toEsdbConnectionString('kdb+discover://a:1,b:2')).toBe('esdb+discover://a:1,b:2');
    expect(toEsdbConnectionString(' KurrentDB+discover://h:1 ')).toBe('esdb+discover://h:1');
  });

  it('leaves esdb URLs and what only looks like a scheme alone', () => {
    expect(toEsdbConnectionString('esdb://admin:changeit@h:2113')).toBe('esdb://admin:changeit@h:2113');
    expect(toEsdbConnectionString('esdb://kurrentdb://x')).toBe('esdb://kurrentdb://x');
  });
});
