import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PROJECTIONS } from '../../../apps/projector/src/projections/index.js';
import { rebuild } from '../../../apps/projector/src/rebuild/rebuild.js';
import { line, Shop } from './support/shop.js';
import { writeHistory } from './support/history.js';
import { appliedEverything, projectorEnv, quietLogger, snapshot, type ProjectorEnv } from './support/projector-env.js';

describe('blue/green rebuild', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  beforeAll(async () => {
    env = await projectorEnv('rebuild');
    shop = await Shop.open(env);
    await writeHistory(shop);
  });
  afterAll(async () => env.close());

  const options = () => ({ pool: env.pool, store: env.store, profiles: env.profiles, timeZones: () => undefined, logger: quietLogger, pollMs: 50 });

  const caughtUp = () => appliedEverything(env.pool);

  async function indexNames(): Promise<string[]> {
    const { rows } = await env.pool.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1::text[]) ORDER BY 1`,
      [PROJECTIONS.flatMap((p) => p.tables)],
    );
    return rows.map((r) => r.name);
  }

  it('builds every read model again from position 0 while the live projector runs, and swaps in identical tables', async () => {
    const indexesBefore = await indexNames();
    const live = env.runner({ batchSize: 3 });
    const following = live.run();
    try {
      while (!(await caughtUp())) await new Promise((r) => setTimeout(r, 50));
      const incremental = await snapshot(env.pool);

      const report = await rebuild(PROJECTIONS, { ...options(), batchSize: 11 });
      expect(report.projections).toEqual(PROJECTIONS.map((p) => p.name));
      // A rebuild is caught up as of the read horizon (an append to this log in flight holds it); the
      // live projector, back in charge, applies whatever that held back.
      while (!(await caughtUp())) await new Promise((r) => setTimeout(r, 50));
      expect(await snapshot(env.pool)).toEqual(incremental);
      expect(await indexNames()).toEqual(indexesBefore);
      // Loaded UNLOGGED, the twins were written to the log before the swap: as durable as the live tables.
      const { rows: unlogged } = await env.pool.query(
        `SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1::text[]) AND relpersistence <> 'p'`,
        [PROJECTIONS.flatMap((p) => p.tables)],
      );
      expect(unlogged).toEqual([]);
      const { rows } = await env.pool.query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE '%\\_next'`);
      expect(rows).toEqual([]);

      // The live projector took its projections back and goes on from the moved checkpoints.
      await shop.purchase('alice', 'A-3', '2026-04-01T10:00:00.000Z', [line(1, 9900)]);
      while (!(await caughtUp())) await new Promise((r) => setTimeout(r, 50));
      expect(live.writing().sort()).toEqual(PROJECTIONS.map((p) => p.name).sort());
      const afterMore = await snapshot(env.pool);
      expect(afterMore.purchases!.map((p) => p.purchase_id)).toContain('A-3');

      await live.stop();
      await rebuild(PROJECTIONS, options());
      await env.project();
      expect(await snapshot(env.pool)).toEqual(afterMore);
    } finally {
      await live.stop();
      await following;
    }
  });

  it('rebuilds one projection alone and leaves the others as they are', async () => {
    const before = await snapshot(env.pool);
    await env.pool.query(`UPDATE daily_kpis SET visits = visits + 100 WHERE merchant_id = $1`, [shop.merchantId]);
    const { rows: checkpoints } = await env.pool.query(`SELECT name, commit_position, prepare_position FROM projection_checkpoints WHERE name <> 'kpis' ORDER BY name`);
    await rebuild(PROJECTIONS.filter((p) => p.name === 'kpis'), options());
    await env.project();
    expect(await snapshot(env.pool)).toEqual(before);
    const { rows: after } = await env.pool.query(`SELECT name, commit_position, prepare_position FROM projection_checkpoints WHERE name <> 'kpis' ORDER BY name`);
    expect(after).toEqual(checkpoints);
  });
});
