import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SEGMENTS, streams, type EventData } from '@relance/domain';
import type { EventStore } from '@relance/event-store';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { salesProjection } from '../../../apps/projector/src/projections/sales.projection.js';
import { RfmRun } from '../../../apps/projector/src/rfm/rfm-run.js';
import { segmentOf } from '../../../apps/projector/src/rfm/rfm-segments.js';
import { DEFAULT_STEPS } from '../../../apps/projector/src/rfm/rfm.sql.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

const clock = { now: () => new Date('2026-06-30T02:00:00.000Z') };

describe('RFM runs: SegmentChanged events, crash and resume', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  const params = () => ({ merchantId: shop.merchantId, currency: 'EUR', asOf: '2026-06-30', windowMonths: 12, steps: DEFAULT_STEPS });
  const segmentEvents = async () => (await env.store.readStream(streams.segments(shop.merchantId))).events;

  beforeAll(async () => {
    env = await projectorEnv('rfmrun');
    shop = await Shop.open(env);
    for (let i = 0; i < 40; i++) {
      const id = `c${String(i).padStart(2, '0')}`;
      await shop.enrol(id, '2024-01-01T10:00:00.000Z');
      // Recent, frequent, big spenders at one end; one old purchase at the other.
      for (let k = 0; k <= i % 5; k++) await shop.purchase(id, `${id}-${k}`, `2026-0${1 + (i % 6)}-1${k}T10:00:00.000Z`, [line(1, 1000 * (1 + i))]);
    }
    await shop.purchase('c00', 'c00-old', '2024-03-01T10:00:00.000Z', [line(1, 900000)]);
    await shop.do('c01', { type: 'RefundPurchase', data: { purchaseId: 'c01-1', refundId: 'rf', refundedAt: '2026-06-01T10:00:00.000Z', storeId: 'halles', reason: null } }, '2026-06-01T10:00:00.000Z');
    await shop.erase('c02', '2026-06-15T10:00:00.000Z');
    await env.project([customersProjection, salesProjection]);
  }, 120_000);
  afterAll(async () => env.close());

  it("records the merchant's first run as a baseline: one RfmBaselineRecorded with the counts, no SegmentChanged, and the customers read model takes the scores", async () => {
    const [report] = (await new RfmRun(env.pool, env.store, clock).run(params(), 'run-1'))!;
    expect(report).toMatchObject({ scored: 39, changes: 0, resumed: false });
    const events = await segmentEvents();
    expect(events.map((e) => e.type)).toEqual(['RfmBaselineRecorded']);
    const scores = await rowsOf(env.pool, 'rfm_scores', shop.merchantId);
    for (const s of scores) expect(s.segment).toBe(segmentOf(s.recency_score as number, s.frequency_score as number, s.monetary_score as number));
    const c00 = scores.find((s) => s.customer_id === 'c00')!;
    // The 2024 purchase is outside the 12-month window: it counts for nothing but recency is recent.
    expect(c00).toMatchObject({ frequency: 1, monetary_cents: 1000 });
    const c01 = scores.find((s) => s.customer_id === 'c01')!;
    expect(c01).toMatchObject({ frequency: 1, monetary_cents: 2000 });
    expect(scores.find((s) => s.customer_id === 'c02')).toBeUndefined();
    const baseline = events[0]!.data as EventData<'RfmBaselineRecorded'>;
    expect(baseline).toMatchObject({ runId: 'run-1', asOf: '2026-06-30', scored: 39 });
    const counts: Record<string, number> = {};
    for (const s of scores) counts[s.segment as string] = (counts[s.segment as string] ?? 0) + 1;
    expect(Object.fromEntries(Object.entries(baseline.counts).filter(([, n]) => n > 0))).toEqual(counts);
    expect(Object.keys(baseline.counts).sort()).toEqual([...SEGMENTS].sort());
    expect(Object.values(baseline.counts).reduce((a, b) => a + b, 0)).toBe(39);

    await env.project([customersProjection]);
    const customers = await rowsOf(env.pool, 'customers', shop.merchantId);
    for (const s of scores) expect(customers.find((c) => c.customer_id === s.customer_id)).toMatchObject({ segment: s.segment, segment_as_of: '2026-06-30' });
  });

  it('appends nothing when no segment changed, and announces customers who leave scoring', async () => {
    const [same] = (await new RfmRun(env.pool, env.store, clock).run(params(), 'run-2'))!;
    expect(same).toMatchObject({ changes: 0 });
    expect(await segmentEvents()).toHaveLength(1);
    // Nothing moved: no row of rfm_scores was rewritten.
    expect(new Set((await rowsOf(env.pool, 'rfm_scores', shop.merchantId)).map((s) => s.changed_run_id))).toEqual(new Set(['run-1']));

    await shop.erase('c03', '2026-06-29T10:00:00.000Z');
    await env.project([customersProjection]);
    const [left] = (await new RfmRun(env.pool, env.store, clock).run(params(), 'run-3'))!;
    // One customer fewer also moves the quintile breakpoints, so others may change segment too.
    expect(left).toMatchObject({ scored: 38 });
    const run3 = (await segmentEvents()).map((e) => e.data as EventData<'SegmentChanged'>).filter((d) => d.runId === 'run-3');
    expect(run3).toHaveLength(left!.changes);
    expect(run3.find((d) => d.customerId === 'c03')).toMatchObject({ to: null, scores: null, values: null });
  });

  it('finishes a run that crashed while publishing, with the same event ids and no duplicate', async () => {
    // New purchases move many customers; the store fails after the first slice is appended.
    for (let i = 10; i < 40; i += 3) await shop.purchase(`c${i}`, `c${i}-late`, '2026-06-29T10:00:00.000Z', [line(1, 500000)]);
    await env.project([customersProjection, salesProjection]);
    let appends = 0;
    const failing = new Proxy(env.store, {
      get(target, name, receiver) {
        if (name !== 'append') return Reflect.get(target, name, receiver);
        return (...args: Parameters<EventStore['append']>) => {
          if (++appends > 1) return Promise.reject(new Error('connection lost'));
          return target.append(...args);
        };
      },
    });
    const before = (await segmentEvents()).length;
    await expect(new RfmRun(env.pool, failing, clock, 2).run(params(), 'run-4')).rejects.toThrow('connection lost');
    const { rows } = await env.pool.query<{ status: string; changes: number }>('SELECT status, changes FROM rfm_runs WHERE merchant_id = $1 AND run_id = $2', [shop.merchantId, 'run-4']);
    expect(rows[0]!.status).toBe('planned');
    const planned = rows[0]!.changes;
    expect(planned).toBeGreaterThan(2);
    expect((await segmentEvents()).length - before).toBe(2);

    const reports = (await new RfmRun(env.pool, env.store, clock, 2).run(params(), 'run-5'))!;
    expect(reports[0]).toMatchObject({ runId: 'run-4', resumed: true, changes: planned });
    const run4 = (await segmentEvents()).filter((e) => (e.data as EventData<'SegmentChanged'>).runId === 'run-4');
    expect(run4).toHaveLength(planned);
    expect(new Set(run4.map((e) => (e.data as EventData<'SegmentChanged'>).customerId)).size).toBe(planned);
    expect(reports[1]).toMatchObject({ runId: 'run-5', changes: 0 });
  });
});
