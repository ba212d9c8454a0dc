import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresEventStore, comparePositions, type RecordedEvent } from '@relance/event-store';
import { createPool, type Pool } from '@relance/platform';
import pg from 'pg';
import { appendToStream } from '../../../libs/event-store/src/postgres/pg-append.js';
import { testEvent, uniquePrefix } from '../../support/events.js';
import { TEST_DATABASE_URL } from '../../support/test-env.js';
import { projectorEnv } from '../projector/support/projector-env.js';

/**
 * The read horizon (migrations/0035): readers wait only for transactions that can still append to the
 * log. A transaction elsewhere — another database of the server, a long repeatable-read transaction,
 * a write to another table — delays nobody; an append in flight still cannot be passed.
 */
describe('PostgreSQL event store: the read horizon', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  const elsewhere = `${new URL(TEST_DATABASE_URL).pathname.slice(1)}_elsewhere`;
  const adminUrl = (() => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = '/postgres';
    return url.toString();
  })();
  /** Connections of the test's other transactions: the log database's from their own pool. */
  let sessions: Pool;
  const opened = new Set<pg.PoolClient | pg.Client>();

  beforeAll(async () => {
    pool = createPool(TEST_DATABASE_URL, { max: 6 });
    sessions = createPool(TEST_DATABASE_URL, { max: 6 });
    // A long idle poll: a subscriber that is held back would show it as seconds of latency.
    store = new PostgresEventStore(pool, { connectionString: TEST_DATABASE_URL, polling: { idlePollMs: 30_000 } });
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${elsewhere}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${elsewhere}"`);
    } finally {
      await admin.end();
    }
  });

  afterAll(async () => {
    for (const c of [...opened]) await release(c);
    await store.close();
    await pool.end();
    await sessions.end();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${elsewhere}" WITH (FORCE)`).finally(() => admin.end());
  });

  /** A connection to the log's database. */
  async function client(): Promise<pg.PoolClient> {
    const c = await sessions.connect();
    opened.add(c);
    return c;
  }

  /** A connection to the scratch database beside it. */
  async function elsewhereClient(): Promise<pg.Client> {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${elsewhere}`;
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    opened.add(c);
    return c;
  }

  async function release(c: pg.PoolClient | pg.Client): Promise<void> {
    if (!opened.delete(c)) return;
    await c.query('ROLLBACK').catch(() => undefined);
    if ('release' in c) c.release();
    else await c.end();
  }

  /** The oldest transaction id running in the server, as the old rule (the snapshot's xmin) saw it. */
  async function serverXmin(): Promise<bigint> {
    const { rows } = await pool.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
    return BigInt(rows[0]!.xmin);
  }

  async function horizon(db: pg.PoolClient | Pool = pool, snapshot?: string): Promise<bigint> {
    const { rows } = await db.query<{ h: string }>(
      `SELECT relance_events_horizon(COALESCE($1::pg_snapshot, pg_current_snapshot()))::text AS h`,
      [snapshot ?? null],
    );
    return BigInt(rows[0]!.h);
  }

  /**
   * Whether a fresh read's horizon passes this transaction. A transaction that starts and ends after
   * it first, so that the snapshot's xmax is past it; retried for a moment, because a transaction of
   * the server older than it that ends while a horizon is worked out bounds that one read.
   */
  async function horizonPasses(xid: bigint): Promise<boolean> {
    for (let tries = 0; tries < 50; tries++) {
      await pool.query('SELECT pg_current_xact_id()');
      if ((await horizon()) > xid) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  /** Time from an append to its delivery to a live subscriber that had caught up before it. */
  async function liveDelivery(): Promise<{ latency: number; commit: bigint }> {
    const prefix = uniquePrefix('live');
    const subscription = store.subscribe({ after: await store.headPosition(), filter: { streamPrefixes: [`${prefix}-`] } });
    const iterator = subscription[Symbol.asyncIterator]();
    try {
      const first = iterator.next();
      // Let the subscriber reach the end of the log and wait for a notification.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const appendedAt = Date.now();
      const appended = await store.append(`${prefix}-s`, [testEvent('Live')], 'no-stream');
      // Bounded: a subscriber held back would otherwise wait for as long as the other transaction runs.
      const timer = setTimeout(() => void subscription.close(), 5_000);
      let batch = await first;
      while (!batch.done && batch.value.events.length === 0) batch = await iterator.next();
      clearTimeout(timer);
      const latency = Date.now() - appendedAt;
      const events: readonly RecordedEvent[] = batch.done ? [] : batch.value.events;
      expect(events.map((e) => e.type)).toEqual(['Live']);
      // The head (what a new subscriber starts after) passes it too, within the second: the other
      // transaction stays open all along. (Not at once: an append of the log in flight, or one that
      // committed while the horizon was being worked out, may hold one read back.)
      let head = await store.headPosition();
      for (const started = Date.now(); comparePositions(head, appended.position) < 0 && Date.now() - started < 1_000; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        head = await store.headPosition();
      }
      expect(comparePositions(head, appended.position)).toBeGreaterThanOrEqual(0);
      return { latency, commit: appended.position.commit };
    } finally {
      await subscription.close();
    }
  }

  it('is not held back by a write transaction open in another database of the server', async () => {
    const other = await elsewhereClient();
    await other.query('BEGIN');
    await other.query('CREATE TABLE busy (x int)');
    const { rows } = await other.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
    const xid = BigInt(rows[0]!.xid);
    try {
      // The old rule would wait for it: it is the oldest transaction of the server, or below ours.
      expect(await serverXmin()).toBeLessThanOrEqual(xid);
      expect(await horizonPasses(xid)).toBe(true);
      const live = await liveDelivery();
      // The old rule would have hidden this event until the other transaction ended.
      expect(live.commit).toBeGreaterThan(xid);
      expect(live.latency).toBeLessThan(1_000);
    } finally {
      await release(other);
    }
  });

  it('is not held back by a repeatable-read transaction on the log database, whether it wrote elsewhere or only reads', async () => {
    const writer = await client();
    await writer.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await writer.query('SELECT count(*) FROM events');
    await writer.query(`INSERT INTO engine_checkpoints (name, position) VALUES ($1, '0/0')`, [uniquePrefix('horizon-test')]);
    const { rows } = await writer.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
    const reader = await client();
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await reader.query('SELECT count(*) FROM events');
    try {
      expect(await serverXmin()).toBeLessThanOrEqual(BigInt(rows[0]!.xid));
      const live = await liveDelivery();
      expect(live.commit).toBeGreaterThan(BigInt(rows[0]!.xid));
      expect(live.latency).toBeLessThan(1_000);
      // Each of them is still open and sees the log as it was.
      await writer.query('SELECT 1 FROM events LIMIT 1');
      await reader.query('SELECT 1 FROM events LIMIT 1');
    } finally {
      await release(writer);
      await release(reader);
    }
  });

  it('refuses an append from a transaction that wrote before it locked the log, with a clear error, and the reader that passed it loses nothing', async () => {
    const prefix = uniquePrefix('race');
    const late = await client();
    await late.query('BEGIN');
    await late.query(`INSERT INTO engine_checkpoints (name, position) VALUES ($1, '0/0')`, [`${prefix}-cp`]);
    const { rows } = await late.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
    const xid = BigInt(rows[0]!.xid);
    try {
      // A reader looks while that transaction runs: it holds no lock on the log, so the reader passes it.
      await store.append(`${prefix}-other`, [testEvent('Other')], 'no-stream');
      const passed = await store.readAll({ after: await positionBefore(xid), filter: { streamPrefixes: [`${prefix}-`] } });
      expect(passed.events.map((e) => e.type)).toEqual(['Other']);
      expect(passed.next.commit).toBeGreaterThan(xid);
      // Its append now would land behind that reader: refused.
      const refused = appendToStream(late, `${prefix}-late`, [testEvent('Late')], 'no-stream');
      await expect(refused).rejects.toMatchObject({
        code: '55000',
        message: expect.stringContaining('refused: this transaction wrote before it locked the event log'),
        hint: expect.stringContaining('relance_begin_append()'),
      });
    } finally {
      await release(late);
    }
    const after = await store.readAll({ after: await positionBefore(xid), filter: { streamPrefixes: [`${prefix}-`] } });
    expect(after.events.map((e) => e.type)).toEqual(['Other']);
  });

  it('does not pass a transaction that locked the log before it wrote elsewhere, and delivers its append in order', async () => {
    const prefix = uniquePrefix('begin');
    const filter = { streamPrefixes: [`${prefix}-`] };
    const start = await store.headPosition();
    const received: RecordedEvent[] = [];
    const subscription = store.subscribe({ after: start, filter });
    const consumer = (async () => {
      for await (const batch of subscription) {
        received.push(...batch.events);
        if (received.length >= 2) break;
      }
    })();
    const first = await client();
    await first.query('BEGIN');
    await first.query('SELECT relance_begin_append()');
    await first.query(`INSERT INTO engine_checkpoints (name, position) VALUES ($1, '0/0')`, [`${prefix}-cp`]);
    const { rows } = await first.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
    const xid = BigInt(rows[0]!.xid);
    try {
      // A later transaction appends and commits; the reader must not pass the first one to read it.
      await store.append(`${prefix}-second`, [testEvent('Second')], 'no-stream');
      expect(await horizon()).toBeLessThanOrEqual(xid);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(received).toEqual([]);
      await appendToStream(first, `${prefix}-first`, [testEvent('First')], 'no-stream');
      await first.query('COMMIT');
    } finally {
      await release(first);
    }
    await Promise.race([consumer, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await subscription.close();
    expect(received.map((e) => e.type)).toEqual(['First', 'Second']);
    expect(received[0]!.position.commit).toBe(xid);
  });

  it('counts in the backlog the events an append in flight holds back, which readers cannot read yet', async () => {
    const prefix = uniquePrefix('held');
    const mine = { streamPrefixes: [`${prefix}-`] };
    const start = await store.headPosition();
    const slow = await client();
    await slow.query('BEGIN');
    await appendToStream(slow, `${prefix}-slow`, [testEvent('Slow')], 'no-stream');
    try {
      await store.append(`${prefix}-fast`, [testEvent('Fast1'), testEvent('Fast2')], 'no-stream');
      const read = await store.readAll({ after: start, filter: mine });
      expect(read.events).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const held = await store.backlog(start, mine);
      expect(held.events).toBe(2);
      expect(held.seconds).toBeGreaterThanOrEqual(1);
      await slow.query('COMMIT');
    } finally {
      await release(slow);
    }
    expect((await store.backlog(start, mine)).events).toBe(3);
  });

  it('refuses relance_begin_append() once the transaction has written', async () => {
    const c = await client();
    await c.query('BEGIN');
    await c.query(`INSERT INTO engine_checkpoints (name, position) VALUES ($1, '0/0')`, [uniquePrefix('too-late')]);
    await expect(c.query('SELECT relance_begin_append()')).rejects.toMatchObject({ code: '55000', message: expect.stringContaining('called too late') });
    await release(c);
  });

  it('refuses a second append after the savepoint that held the first lock rolled back', async () => {
    const prefix = uniquePrefix('sp');
    const c = await client();
    await c.query('BEGIN');
    await c.query('SAVEPOINT a');
    await appendToStream(c, `${prefix}-a`, [testEvent('Undone')], 'no-stream');
    // The lock taken inside the savepoint goes with it; the transaction keeps its id.
    await c.query('ROLLBACK TO SAVEPOINT a');
    await expect(appendToStream(c, `${prefix}-b`, [testEvent('Refused')], 'no-stream')).rejects.toMatchObject({ code: '55000' });
    await release(c);
  });

  it('lets a transaction append again and again once its first append held the lock', async () => {
    const prefix = uniquePrefix('again');
    const c = await client();
    await c.query('BEGIN');
    await appendToStream(c, `${prefix}-s`, [testEvent('One')], 'no-stream');
    await c.query(`INSERT INTO engine_checkpoints (name, position) VALUES ($1, '0/0')`, [`${prefix}-cp`]);
    await appendToStream(c, `${prefix}-s`, [testEvent('Two')], 0n);
    await c.query('COMMIT');
    await release(c);
    const slice = await store.readStream(`${prefix}-s`);
    expect(slice.events.map((e) => e.type)).toEqual(['One', 'Two']);
  });

  it('is bounded by a transaction that ended between the snapshot and the second look only if it left rows in the log', async () => {
    // A log of its own: no other test's appends can end inside the window this test looks at.
    const own = await projectorEnv('horizon');
    const sessions = await Promise.all([own.pool.connect(), own.pool.connect(), own.pool.connect()]);
    const [appender, undone, other] = sessions;
    const xidOf = async (c: pg.PoolClient) => BigInt((await c.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0]!.xid);
    const snapshotNow = async () => (await own.pool.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s')).rows[0]!.s;
    const horizonOf = async (snapshot: string) =>
      BigInt((await own.pool.query<{ h: string }>('SELECT relance_events_horizon($1::pg_snapshot)::text AS h', [snapshot])).rows[0]!.h);
    try {
      await appender!.query('BEGIN');
      await appendToStream(appender!, 'ended-s', [testEvent('Ended')], 'no-stream');
      const xid = await xidOf(appender!);
      // The snapshot S of a reader, taken while the append runs...
      const s = await snapshotNow();
      expect(await horizonOf(s)).toBeLessThanOrEqual(xid);
      // ...and the horizon worked out for it after the append committed: S cannot see its rows, so the
      // horizon stays at or below it although it no longer holds any lock.
      await appender!.query('COMMIT');
      expect(await horizonOf(s)).toBeLessThanOrEqual(xid);

      // An append that rolls back and a transaction that wrote elsewhere end meanwhile too: they left
      // nothing in the log, so once they have ended the horizon passes them.
      await undone!.query('BEGIN');
      await appendToStream(undone!, 'ended-u', [testEvent('Undone')], 'no-stream');
      await other!.query('BEGIN');
      await other!.query(`INSERT INTO engine_checkpoints (name, position) VALUES ('ended-cp', '0/0')`);
      const [u, o] = [await xidOf(undone!), await xidOf(other!)];
      await own.pool.query('SELECT pg_current_xact_id()'); // a later transaction ends: xmax is past them both
      const s2 = await snapshotNow();
      expect(await horizonOf(s2)).toBeLessThanOrEqual(u);
      await undone!.query('ROLLBACK');
      await other!.query('COMMIT');
      expect(await horizonOf(s2)).toBeGreaterThan(u > o ? u : o);
    } finally {
      for (const c of sessions) {
        await c.query('ROLLBACK').catch(() => undefined);
        c.release();
      }
      await own.close();
    }
  });

  it('falls back to the oldest running transaction when the reader is not in READ COMMITTED', async () => {
    const other = await elsewhereClient();
    await other.query('BEGIN');
    await other.query('CREATE TABLE busy_rr (x int)');
    const { rows } = await other.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
    const reader = await client();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const { rows: xmin } = await reader.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
      expect(await horizon(reader)).toBe(BigInt(xmin[0]!.xmin));
      expect(await horizon(reader)).toBeLessThanOrEqual(BigInt(rows[0]!.xid));
    } finally {
      await release(reader);
      await release(other);
    }
  });

  /** A position just below a transaction id: reading after it covers that transaction's rows. */
  async function positionBefore(xid: bigint) {
    return { commit: xid - 1n, prepare: 0n };
  }
});
