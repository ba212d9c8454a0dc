import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { PROJECTIONS } from '../../../apps/projector/src/projections/index.js';
import { rebuild } from '../../../apps/projector/src/rebuild/rebuild.js';
import { loadCheckpoints } from '../../../apps/projector/src/runner/checkpoints.js';
import { relance, until } from './support/child-process.js';
import { writeHistory } from './support/history.js';
import { appliedEverything, projectorEnv, quietLogger, snapshot, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

/** Processes killed with SIGKILL between (or inside) batches, then started again. */
describe('projector and rebuild killed mid-run', () => {
  let env: ProjectorEnv;
  beforeAll(async () => {
    env = await projectorEnv('crash');
    const shop = await Shop.open(env);
    await writeHistory(shop);
    for (let i = 0; i < 120; i++) {
      const id = `k${i}`;
      await shop.enrol(id, '2026-01-02T10:00:00.000Z');
      await shop.do(id, { type: 'GrantConsent', data: { channel: 'email', purpose: 'marketing', source: 'web', proof: {} } }, '2026-01-02T10:00:00.000Z');
      await shop.purchase(id, `K-${i}`, '2026-01-03T10:00:00.000Z', [line(1, 1000 + i * 100), line(2, 2500)]);
    }
  }, 120_000);
  afterAll(async () => env.close());

  const processed = async () =>
    Number((await env.pool.query<{ n: string }>(`SELECT COALESCE(sum(events_processed), 0)::text AS n FROM projection_checkpoints WHERE name NOT LIKE '%.next'`)).rows[0]!.n);

  const caughtUp = () => appliedEverything(env.pool);

  it('loses and duplicates nothing when the projector is killed and started again', async () => {
    const port = String(await freePort());
    const first = relance(env, ['projector'], { PROJECTOR_BATCH_SIZE: '4', PROJECTOR_PORT: port });
    await until(async () => (await processed()) > 300, 60_000, 'the projector to get going', first.output);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await caughtUp()).toBe(false);

    const second = relance(env, ['projector'], { PROJECTOR_BATCH_SIZE: '50', PROJECTOR_PORT: port });
    try {
      await until(caughtUp, 60_000, 'the restarted projector to catch up');
      // Lag is measured against the log's head every second: caught up, it reads 0 events, 0 seconds.
      const metrics = () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      await until(async () => /relance_projection_lag_events\{projection="kpis",app="projector"\} 0\n/.test(await metrics()), 10_000, 'the lag to read 0');
      const text = await metrics();
      expect(text).toMatch(/relance_projection_lock_held\{projection="customers",app="projector"\} 1/);
      expect(text).toMatch(/relance_projection_lag_seconds\{projection="kpis",app="projector"\} 0\n/);
      expect(text).toMatch(/relance_projection_events_total\{projection="sales",app="projector"\} \d+/);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }

    // Exactly once: each projection counted every event of its types, in the same transactions as its rows.
    const stored = await loadCheckpoints(env.pool, PROJECTIONS.map((p) => p.name));
    for (const p of PROJECTIONS) {
      const { rows } = await env.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE event_type = ANY($1::text[])', [p.handles]);
      expect([p.name, stored.get(p.name)!.eventsProcessed]).toEqual([p.name, Number(rows[0]!.n)]);
    }
    const afterCrash = await snapshot(env.pool);
    await rebuild(PROJECTIONS, { pool: env.pool, store: env.store, profiles: env.profiles, timeZones: () => undefined, logger: quietLogger });
    await env.project();
    expect(await snapshot(env.pool)).toEqual(afterCrash);
  }, 150_000);

  it('resumes an interrupted rebuild from its own checkpoint and ends with identical tables', async () => {
    const before = await snapshot(env.pool);
    const first = relance(env, ['projections', 'rebuild', '--batch', '3']);
    const nextProcessed = async () =>
      Number((await env.pool.query<{ n: string }>(`SELECT COALESCE(max(events_processed), 0)::text AS n FROM projection_rebuild_checkpoints`)).rows[0]!.n);
    await until(async () => (await nextProcessed()) > 20, 60_000, 'the rebuild to get going', first.output);
    first.child.kill('SIGKILL');
    await first.exited;
    const { rows } = await env.pool.query(`SELECT DISTINCT status FROM projection_rebuilds`);
    expect(rows).toEqual([{ status: 'building' }]);

    const second = relance(env, ['projections', 'rebuild']);
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/resumed: customers, consents, points, tiers, sales, messaging, kpis/);
    await env.project();
    expect(await snapshot(env.pool)).toEqual(before);
  }, 150_000);
});

/** A port nothing listens on right now (chosen by the system, not guessed). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
