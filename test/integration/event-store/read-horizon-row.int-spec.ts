import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, type Pool } from '@relance/platform';
import { appendToStream } from '../../../libs/event-store/src/postgres/pg-append.js';
import { takeReadHorizon, withReadHorizon } from '../../../libs/event-store/src/postgres/pg-read-horizon.js';
import { EVENT_COLUMNS, type EventRow } from '../../../libs/event-store/src/postgres/pg-rows.js';
import { testEvent, uniquePrefix } from '../../support/events.js';
import { TEST_DATABASE_URL } from '../../support/test-env.js';

/** The horizon row of a catch-up page, against the database: what it says while an append is in flight. */
describe('PostgreSQL event store: the horizon row of a catch-up page', () => {
  let pool: Pool;
  const page = (stream: string) => ({
    rowMode: 'array' as const,
    text: withReadHorizon(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND transaction_id < s.h ORDER BY transaction_id, global_position`),
    values: [stream],
  });

  beforeAll(() => {
    pool = createPool(TEST_DATABASE_URL, { max: 4 });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('holds back nothing at rest: the horizon is above every stored transaction, and the page has every event', async () => {
    const stream = uniquePrefix('horizon-row');
    await appendToStream(pool, stream, [testEvent('One'), testEvent('Two')], 'no-stream');
    const { rows } = await pool.query<EventRow>(page(stream));
    const { horizon, events } = takeReadHorizon(rows);
    const { rows: last } = await pool.query<{ tx: string }>('SELECT max(transaction_id)::text AS tx FROM events');
    expect(horizon.blocked).toBe(false);
    expect(horizon.horizon).toBeGreaterThan(BigInt(last[0]!.tx));
    expect(events.map((e) => e[4])).toEqual(['One', 'Two']);
  });

  it('says blocked, and stops below the open append, while a later append has committed above it', async () => {
    const prefix = uniquePrefix('horizon-row');
    const open = await pool.connect();
    try {
      await open.query('BEGIN');
      await appendToStream(open, `${prefix}-open`, [testEvent('Open')], 'no-stream');
      const { rows: own } = await open.query<{ tx: string }>('SELECT pg_current_xact_id()::text AS tx');
      await appendToStream(pool, `${prefix}-later`, [testEvent('Later')], 'no-stream');
      const { horizon, events } = takeReadHorizon((await pool.query<EventRow>(page(`${prefix}-later`))).rows);
      expect(horizon).toEqual({ horizon: BigInt(own[0]!.tx), blocked: true });
      // The later append committed, but it sits above the open one: the page cannot return it yet.
      expect(events).toEqual([]);
      await open.query('COMMIT');
      const after = takeReadHorizon((await pool.query<EventRow>(page(`${prefix}-later`))).rows);
      expect(after.horizon.blocked).toBe(false);
      expect(after.events.map((e) => e[4])).toEqual(['Later']);
    } finally {
      await open.query('ROLLBACK').catch(() => undefined);
      open.release();
    }
  });
});
