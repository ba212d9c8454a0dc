import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { streams } from '@relance/domain';
import { formatPosition } from '@relance/event-store';
import { loadConfig, MerchantDirectory } from '@relance/platform';
import { v7 as uuidv7 } from 'uuid';
import { createProjectorApp } from '../../../apps/projector/src/create-projector-app.js';
import { PROJECTIONS } from '../../../apps/projector/src/projections/index.js';
import { rebuild } from '../../../apps/projector/src/rebuild/rebuild.js';
import { loadCheckpoints } from '../../../apps/projector/src/runner/checkpoints.js';
import type { ProjectionRunner } from '../../../apps/projector/src/runner/projection-runner.js';
import { relance, until } from './support/child-process.js';
import { writeHistory } from './support/history.js';
import { appliedEverything, projectorEnv, quietLogger, rowsOf, snapshot, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

/** Writes an event straight into the log, as no engine would: the projector must cope anyway. */
export async function writeRawEvent(env: ProjectorEnv, merchantId: string, customerId: string, type: string, data: Record<string, unknown>): Promise<{ eventId: string }> {
  const eventId = uuidv7();
  const at = new Date().toISOString();
  const metadata = { eventId, merchantId, correlationId: eventId, causationId: eventId, actor: 'system:test', occurredAt: at, recordedAt: at };
  const stream = streams.customer(merchantId, customerId);
  await env.pool.query(
    `INSERT INTO events (stream_id, stream_position, event_id, event_type, data, metadata)
     SELECT $1, COALESCE(max(stream_position), -1) + 1, $2, $3, $4, $5 FROM events WHERE stream_id = $1`,
    [stream, eventId, type, JSON.stringify(data), JSON.stringify(metadata)],
  );
  return { eventId };
}

/** A purchase whose first line's quantity no integer column holds (nor a bigint one). */
export function unstorablePurchase(purchaseId: string, customerId: string): Record<string, unknown> {
  return {
    purchaseId,
    customerId,
    storeId: 'halles',
    externalRef: null,
    channel: 'pos',
    currency: 'EUR',
    lines: [line(1, 1000, { quantity: 1e20 })],
    totalCents: 1000,
    rewardIdsUsed: [],
    purchasedAt: '2026-03-01T10:00:00.000Z',
  };
}

/** Exactly once: each projection counted each event of its types once, as stored with its rows. */
async function countedOnce(env: ProjectorEnv): Promise<void> {
  const stored = await loadCheckpoints(env.pool, PROJECTIONS.map((p) => p.name));
  for (const p of PROJECTIONS) {
    const { rows } = await env.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE event_type = ANY($1::text[])', [p.handles]);
    expect([p.name, stored.get(p.name)!.eventsProcessed]).toEqual([p.name, Number(rows[0]!.n)]);
  }
}

describe('a projection meets an event it cannot apply', () => {
  let env: ProjectorEnv;
  let failing: Shop;
  let other: Shop;
  let runner: ProjectionRunner;
  let running: Promise<void>;
  const errors: string[] = [];
  beforeAll(async () => {
    env = await projectorEnv('isolate');
    failing = await Shop.open(env);
    other = await Shop.open(env);
    await writeHistory(failing);
    await writeHistory(other);
    runner = env.runner({
      logger: { ...quietLogger, error: (message: string) => void errors.push(message) },
      retry: { firstMs: 200, maxMs: 1_000 },
      lagIntervalMs: 200,
    });
    running = runner.run();
    await until(() => appliedEverything(env.pool), 30_000, 'the runner to catch up');
  }, 60_000);
  afterAll(async () => {
    await runner.stop();
    await running;
    await env.close();
  });

  const purchaseIds = async (merchantId: string) => (await rowsOf(env.pool, 'purchases', merchantId)).map((p) => p.purchase_id);
  const parkedRows = async () =>
    (await env.pool.query<{ projection: string; merchant_id: string; event_id: string; error: string }>('SELECT projection, merchant_id, event_id, error FROM projection_parked ORDER BY projection')).rows;

  it('parks that merchant for the projections that fail, keeps every other merchant current, and resumes it in order once the event is fixed', async () => {
    // A purchase no read model can store, then ordinary events of both merchants.
    const bad = await writeRawEvent(env, failing.merchantId, 'alice', 'PurchaseRecorded', unstorablePurchase('A-BAD', 'alice'));
    await failing.purchase('bob', 'B-AFTER', '2026-03-02T10:00:00.000Z', [line(1, 2000)]);
    await other.purchase('alice', 'O-AFTER', '2026-03-02T10:00:00.000Z', [line(1, 3000)]);

    await until(async () => (await purchaseIds(other.merchantId)).includes('O-AFTER'), 20_000, "the other merchant's purchase to be applied");
    await until(() => appliedEverything(env.pool), 20_000, 'every checkpoint to pass the last event');
    // Sales and KPIs hold purchases: the failing merchant waits there, at the bad event, with its later ones.
    expect(await parkedRows()).toEqual([
      expect.objectContaining({ projection: 'kpis', merchant_id: failing.merchantId, event_id: bad.eventId, error: expect.stringMatching(/out of range/) }),
      expect.objectContaining({ projection: 'sales', merchant_id: failing.merchantId, event_id: bad.eventId, error: expect.stringMatching(/out of range/) }),
    ]);
    expect(await purchaseIds(failing.merchantId)).not.toContain('B-AFTER');
    // Its other read models went on: bob's points for that purchase are there.
    const points = await rowsOf(env.pool, 'points_ledger', failing.merchantId);
    expect(points.some((p) => JSON.stringify(p).includes('B-AFTER'))).toBe(true);
    // Said loudly: the log names the projection, the merchant, the event and its position.
    const [positioned] = (await env.store.readStream(streams.customer(failing.merchantId, 'alice'))).events.filter((e) => e.metadata.eventId === bad.eventId);
    expect(errors.join('\n')).toContain(`Projection sales cannot apply event ${bad.eventId} (PurchaseRecorded) at ${formatPosition(positioned!.position)} of merchant ${failing.merchantId}`);
    const status = runner.status().projections.find((p) => p.name === 'sales')!;
    expect(status.parked.map((p) => p.merchantId)).toEqual([failing.merchantId]);
    // Retried on a timer, not only when events arrive: the attempts grow while the log is quiet.
    await until(
      async () => (await env.pool.query<{ failures: number }>(`SELECT failures FROM projection_parked WHERE projection = 'sales'`)).rows[0]!.failures >= 3,
      20_000,
      'the parked part to be retried',
    );

    // The cause is removed: the row is fixed. The projector resumes by itself, in log order.
    await env.pool.query(`UPDATE events SET data = jsonb_set(data, '{lines,0,quantity}', '2') WHERE event_id = $1`, [bad.eventId]);
    await until(async () => (await parkedRows()).length === 0, 20_000, 'the parked parts to resume');
    expect(await purchaseIds(failing.merchantId)).toEqual(expect.arrayContaining(['A-BAD', 'B-AFTER']));
    expect(runner.status().projections.every((p) => p.parked.length === 0)).toBe(true);
    await countedOnce(env);

    // Nothing lost, nothing twice: the tables equal a rebuild from the log.
    const resumed = await snapshot(env.pool);
    await runner.stop();
    await running;
    await rebuild(PROJECTIONS, { pool: env.pool, store: env.store, profiles: env.profiles, timeZones: () => undefined, logger: quietLogger });
    expect(await snapshot(env.pool)).toEqual(resumed);
    running = runner.run();
  }, 90_000);

  it('pins a failure to the event: the merchant\'s events before it in the same batch are applied', async () => {
    await runner.stop();
    await running;
    // Three events of one merchant in one batch: the middle one cannot be applied.
    await failing.purchase('alice', 'P-1', '2026-04-01T10:00:00.000Z', [line(1, 1000)]);
    const bad = await writeRawEvent(env, failing.merchantId, 'alice', 'PurchaseRecorded', unstorablePurchase('P-2', 'alice'));
    await failing.purchase('alice', 'P-3', '2026-04-01T12:00:00.000Z', [line(1, 1000)]);
    runner = env.runner({ logger: { ...quietLogger, error: (message: string) => void errors.push(message) }, retry: { firstMs: 200, maxMs: 1_000 } });
    running = runner.run();
    await until(async () => (await parkedRows()).length === 2, 20_000, 'the merchant to be parked');
    const ids = await purchaseIds(failing.merchantId);
    expect(ids).toContain('P-1');
    expect(ids).not.toContain('P-2');
    expect(ids).not.toContain('P-3');
    await env.pool.query(`UPDATE events SET data = jsonb_set(data, '{lines,0,quantity}', '1') WHERE event_id = $1`, [bad.eventId]);
    await until(async () => (await parkedRows()).length === 0, 20_000, 'the parked parts to resume');
    expect(await purchaseIds(failing.merchantId)).toEqual(expect.arrayContaining(['P-1', 'P-2', 'P-3']));
    await countedOnce(env);
  }, 60_000);

  it('parks the merchant of an enrolment whose sealed profile does not open, and resumes it once the profile is sealed right', async () => {
    const enrolment = (profile: string) => ({
      customerId: 'zed', customerType: 'b2c', businessCategory: null, storeId: 'halles', externalId: null, locale: 'fr-FR',
      profile, identityKeys: { email: null, phone: null }, source: 'pos', enrolledAt: '2026-06-01T10:00:00.000Z',
    });
    // The customer has a key (a profile with no key at all reads as erased): this one is not sealed with it.
    const sealed = await env.keys.seal(failing.merchantId, 'zed', { firstName: 'Zoé' });
    const bad = await writeRawEvent(env, failing.merchantId, 'zed', 'CustomerEnrolled', enrolment('pii:v1:AAAA:BBBB'));
    await other.enrol('yann', '2026-06-01T10:00:00.000Z');
    await until(async () => (await rowsOf(env.pool, 'customers', other.merchantId)).some((c) => c.customer_id === 'yann'), 20_000, "the other merchant's enrolment");
    await until(async () => (await parkedRows()).length === 1, 20_000, 'the merchant to be parked for customers');
    expect(await parkedRows()).toEqual([expect.objectContaining({ projection: 'customers', merchant_id: failing.merchantId, event_id: bad.eventId, error: expect.stringMatching(/does not open/) })]);
    await env.pool.query(`UPDATE events SET data = jsonb_set(data, '{profile}', to_jsonb($2::text)) WHERE event_id = $1`, [bad.eventId, sealed]);
    await until(async () => (await parkedRows()).length === 0, 20_000, 'the parked part to resume');
    expect((await rowsOf(env.pool, 'customers', failing.merchantId)).find((c) => c.customer_id === 'zed')).toMatchObject({ profile: sealed });
    await countedOnce(env);
  }, 60_000);

  it('stops a projection that fails whatever the event, lets the others go on, and resumes it once its table is back', async () => {
    await env.pool.query('ALTER TABLE daily_kpis RENAME TO daily_kpis_away');
    try {
      await other.purchase('alice', 'O-KPI', '2026-05-01T10:00:00.000Z', [line(1, 1000)]);
      await until(async () => (await purchaseIds(other.merchantId)).includes('O-KPI'), 20_000, 'sales to go on');
      await until(async () => runner.status().projections.find((p) => p.name === 'kpis')!.stall !== null, 20_000, 'kpis to stop');
      // The stop is recorded for `projections status` just after the runner knows it.
      const recorded = async () =>
        (await env.pool.query<{ failure: string | null }>(`SELECT failure FROM projection_checkpoints WHERE name = 'kpis'`)).rows[0]!.failure;
      await until(async () => (await recorded()) !== null, 20_000, 'the stop to be recorded');
      expect(await recorded()).toMatch(/daily_kpis/);
      expect(errors.join('\n')).toMatch(/Projection kpis stopped at \d+\/-?\d+: .*daily_kpis/);
      expect(await appliedEverything(env.pool, PROJECTIONS.filter((p) => p.name !== 'kpis'))).toBe(true);
      expect(await appliedEverything(env.pool)).toBe(false);
    } finally {
      await env.pool.query('ALTER TABLE daily_kpis_away RENAME TO daily_kpis');
    }
    await until(() => appliedEverything(env.pool), 20_000, 'kpis to resume by itself');
    expect(runner.status().projections.find((p) => p.name === 'kpis')!.stall).toBeNull();
    // The end of the stop is recorded just after the commit that proves it, as the stop was.
    const failure = async () => (await env.pool.query<{ failure: string | null }>(`SELECT failure FROM projection_checkpoints WHERE name = 'kpis'`)).rows[0]!.failure;
    await until(async () => (await failure()) === null, 20_000, 'the end of the stop to be recorded');
    await countedOnce(env);
  }, 60_000);
});

describe('the projector application, when a projection stops or falls behind', () => {
  let env: ProjectorEnv;
  let failing: Shop;
  let other: Shop;
  let app: NestFastifyApplication;
  let url: string;
  beforeAll(async () => {
    env = await projectorEnv('isolapp');
    failing = await Shop.open(env);
    other = await Shop.open(env);
    await writeHistory(failing);
    await writeHistory(other);
    const config = loadConfig({ DATABASE_URL: env.url, PII_MASTER_KEY: env.masterKey.toString('base64'), LOG_LEVEL: 'error', LAG_ALERT_SECONDS: '2' }, ['piiMasterKey']);
    app = await createProjectorApp({ config, merchants: new MerchantDirectory([]) });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    await until(() => appliedEverything(env.pool), 30_000, 'the projector to catch up');
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await env.close();
  });

  const health = async () => {
    const response = await fetch(`${url}/health`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, { status: string; error?: string }> } };
  };
  const metric = async (name: string, projection: string, labels = '') => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const match = new RegExp(`^${name}\\{projection="${projection}",${labels}app="projector"\\} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : null;
  };

  it('turns /health degraded with the reason and shows in `relance projections status` while a merchant waits, and resumes by itself', async () => {
    await until(async () => (await health()).status === 200, 20_000, '/health to answer 200');
    const bad = await writeRawEvent(env, failing.merchantId, 'alice', 'PurchaseRecorded', unstorablePurchase('A-BAD', 'alice'));
    await other.purchase('alice', 'O-AFTER', '2026-03-02T10:00:00.000Z', [line(1, 3000)]);
    await until(async () => (await rowsOf(env.pool, 'purchases', other.merchantId)).some((p) => p.purchase_id === 'O-AFTER'), 20_000, "the other merchant's purchase");

    await until(async () => (await health()).status === 503, 10_000, '/health to turn degraded');
    const degraded = await health();
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.checks.postgres?.status).toBe('ok');
    expect(degraded.body.checks.projections).toMatchObject({ status: 'degraded' });
    expect(degraded.body.checks.projections!.error).toContain(`sales: merchant ${failing.merchantId} waits since`);
    expect(degraded.body.checks.projections!.error).toContain(`at event ${bad.eventId} (PurchaseRecorded)`);
    await until(async () => (await metric('relance_projection_parked_merchants', 'sales')) === 1, 5_000, 'the parked gauge');
    expect(await metric('relance_projection_failures_total', 'sales', 'scope="event",')).toBe(1);
    expect(await metric('relance_projection_stalled', 'sales')).toBe(0);

    const status = relance(env, ['projections', 'status']);
    expect(await status.exited).toBe(3);
    const out = status.output();
    expect(out).toMatch(/│ *'sales' *│ *'1 merchant waiting' *│/);
    expect(out).toMatch(/│ *'customers' *│ *'ok' *│ *'0' *│ *0 *│ *'yes' *│/);
    expect(out).toContain(`sales: merchant ${failing.merchantId} waits at`);
    expect(out).toContain(`event ${bad.eventId} (PurchaseRecorded)`);

    await env.pool.query(`UPDATE events SET data = jsonb_set(data, '{lines,0,quantity}', '2') WHERE event_id = $1`, [bad.eventId]);
    await until(async () => (await health()).status === 200, 90_000, '/health to answer 200 again');
    expect(await rowsOf(env.pool, 'purchases', failing.merchantId)).toEqual(expect.arrayContaining([expect.objectContaining({ purchase_id: 'A-BAD' })]));
    const after = relance(env, ['projections', 'status']);
    expect(await after.exited).toBe(0);
    expect(after.output()).toMatch(/│ *'sales' *│ *'ok' *│ *'0' *│ *0 *│ *'yes' *│/);
  }, 150_000);

  it('measures lag against the log\'s head while an append transaction holds the readers back, and says so', async () => {
    const held = await env.pool.connect();
    try {
      await held.query('BEGIN');
      await held.query(
        `INSERT INTO events (stream_id, stream_position, event_id, event_type, data, metadata) VALUES ($1, 0, $2, 'Held', '{}', '{}')`,
        [`held-${uuidv7()}`, uuidv7()],
      );
      await other.purchase('alice', 'O-HELD', '2026-03-03T10:00:00.000Z', [line(1, 3000)]);
      // Committed, but behind an append still in flight: not applied yet, and counted as lag.
      await until(async () => ((await metric('relance_projection_lag_events', 'sales')) ?? 0) >= 1, 10_000, 'the lag in events');
      await until(async () => ((await metric('relance_projection_lag_seconds', 'sales')) ?? 0) >= 2, 10_000, 'the lag in seconds');
      const degraded = await health();
      expect(degraded.status).toBe(503);
      expect(degraded.body.checks.projections!.error).toMatch(/sales: \d+ events, \d+ s behind the log's head/);
      await held.query('COMMIT');
    } finally {
      await held.query('ROLLBACK').catch(() => undefined);
      held.release();
    }
    await until(async () => (await metric('relance_projection_lag_events', 'sales')) === 0, 10_000, 'the lag to clear');
    await until(async () => (await health()).status === 200, 10_000, '/health to answer 200 again');
  }, 60_000);
});
