import { describe, expect, it } from '@jest/globals';
import { databaseAddress, isDatabaseUnavailable } from './database.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('recognises a database out of reach: network errors, connection exceptions, shutdowns, lost connections', () => {
    for (const error of [
      withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], ''), { code: 'ECONNREFUSED' }),
      new AggregateError([withCode('ETIMEDOUT')], ''),
      withCode('08006', 'connection failure'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is starting up'),
      withCode('53300', 'sorry, too many clients already'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('wrapped', { cause: withCode('ECONNRESET') }),
    ]) {
      expect({ error: String(error), unavailable: isDatabaseUnavailable(error) }).toEqual({ error: String(error), unavailable: true });
    }
  });

  it('leaves refused statements and other failures alone', () => {
    for (const error of [withCode('23505', 'duplicate key value'), withCode('42601', 'syntax error'), withCode('22003', 'integer out of range'), withCode('28P01', 'password authentication failed'), new Error('boom'), 'ECONNREFUSED', null]) {
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });

  it('names the server without the password', () => {
    expect(databaseAddress('postgres://u:secret@db.example:6432/relance')).toBe('db.example:6432');
    expect(databaseAddress('postgres://u@10.0.0.1/relance')).toBe('10.0.0.1:5432');
  });
});
