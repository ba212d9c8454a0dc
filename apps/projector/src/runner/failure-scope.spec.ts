import { describe, expect, it } from '@jest/globals';
import { ApplyError, failureScope } from './failure-scope.js';

/** An error as node-postgres builds it from the server's answer. */
function serverError(code: string): Error {
  return Object.assign(new Error(`error ${code}`), { code, severity: 'ERROR' });
}

describe('failureScope', () => {
  it('stops only the event for what the values carry', () => {
    for (const code of ['22003', '22P02', '22007', '23505', '23514', '21000', '54000', 'P0001', '08P01']) expect([code, failureScope(serverError(code))]).toEqual([code, 'event']);
    expect(failureScope(new ApplyError('sales', new RangeError('Invalid time value')))).toBe('event');
  });

  it('stops the projection for what fails whatever the event', () => {
    for (const code of ['42P01', '42703', '42501', 'XX000', '0A000']) expect([code, failureScope(serverError(code))]).toEqual([code, 'projection']);
  });

  it('retries the whole batch when the database or the connection fails', () => {
    for (const code of ['08006', '40001', '40P01', '53300', '57P01', '57014', '55P03']) expect([code, failureScope(serverError(code))]).toEqual([code, 'transient']);
    expect(failureScope(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(failureScope(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('transient');
    expect(failureScope(new Error('Cannot use a pool after calling end on the pool'))).toBe('transient');
  });
});
