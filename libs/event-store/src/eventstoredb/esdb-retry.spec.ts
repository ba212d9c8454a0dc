import { describe, expect, it } from '@jest/globals';
import {
  AccessDeniedError,
  DeadlineExceededError,
  NotLeaderError,
  StreamDeletedError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { SubscriptionEndedError, backoffMs, isTransientError } from './esdb-retry.js';

describe('which subscription failures are worth a new connection', () => {
  it('the server or the network going away', () => {
    expect(isTransientError(new UnavailableError())).toBe(true);
    expect(isTransientError(new DeadlineExceededError())).toBe(true);
    expect(isTransientError(new UnknownError())).toBe(true);
    expect(isTransientError(new SubscriptionEndedError())).toBe(true);
    expect(isTransientError(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }))).toBe(true);
  });

  it('a follower that is no longer the leader', () => {
    const notLeader = Object.create(NotLeaderError.prototype) as Error;
    Object.assign(notLeader, { type: 'not-leader' });
    expect(isTransientError(notLeader)).toBe(true);
  });

  it('not what a new connection cannot fix', () => {
    expect(isTransientError(new AccessDeniedError())).toBe(false);
    expect(isTransientError(StreamDeletedError.fromStreamName('s'))).toBe(false);
    expect(isTransientError(new WrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: 1n }))).toBe(false);
    expect(isTransientError(Object.assign(new Error('7 PERMISSION_DENIED'), { code: 7 }))).toBe(false);
    expect(isTransientError(new TypeError('bug'))).toBe(false);
    expect(isTransientError('unavailable')).toBe(false);
  });
});

describe('waiting between attempts', () => {
  it('doubles from 100 ms and stops growing at 5 s', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([100, 200, 400, 800]);
    expect(backoffMs(7)).toBe(5_000);
    expect(backoffMs(30)).toBe(5_000);
  });
});
