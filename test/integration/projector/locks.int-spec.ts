import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PROJECTIONS } from '../../../apps/projector/src/projections/index.js';
import { LOCK_NAMESPACE, liveLockName, lockKey } from '../../../apps/projector/src/runner/locks.js';
import { until } from './support/child-process.js';
import { writeHistory } from './support/history.js';
import { appliedEverything, projectorEnv, snapshot, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

describe('one writer per projection across projector processes', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  beforeAll(async () => {
    env = await projectorEnv('locks');
    shop = await Shop.open(env);
    await writeHistory(shop);
  });
  afterAll(async () => env.close());

  const caughtUp = () => appliedEverything(env.pool);

  it('lets one runner write while the other waits, and the waiting one takes over when the writer dies', async () => {
    const first = env.runner({ batchSize: 5 });
    const second = env.runner({ batchSize: 5 });
    const runs = [first.run()];
    await until(async () => first.writing().length === PROJECTIONS.length, 10_000, 'the first runner to take the locks');
    runs.push(second.run());
    await until(caughtUp, 20_000, 'the first runner to catch up');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.writing()).toEqual([]);

    // The writer's process dies: its connection, and the locks with it, are gone.
    // Only this test's locks: this database, and the keys of this schema's projections.
    const keys = PROJECTIONS.map((p) => lockKey(env.schema, liveLockName(p.name)));
    const { rows } = await env.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid = $1::int::oid AND objid = ANY($2::bigint[]::oid[])
        GROUP BY pid`,
      [LOCK_NAMESPACE, keys],
    );
    expect(rows).toHaveLength(1);
    await env.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await first.stop();
    await until(async () => second.writing().length === PROJECTIONS.length, 10_000, 'the second runner to take over');

    await shop.purchase('alice', 'A-7', '2026-05-01T10:00:00.000Z', [line(1, 5000)]);
    await until(caughtUp, 20_000, 'the second runner to apply new events');
    const purchases = (await snapshot(env.pool, shop.merchantId)).purchases!;
    expect(purchases.filter((p) => p.purchase_id === 'A-7')).toHaveLength(1);
    await second.stop();
    await Promise.all(runs);
  });
});
