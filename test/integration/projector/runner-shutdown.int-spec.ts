import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresEventStore } from '@relance/event-store';
import { createPool } from '@relance/platform';
import { PROJECTIONS } from '../../../apps/projector/src/projections/index.js';
import { ProjectionRunner } from '../../../apps/projector/src/runner/projection-runner.js';
import { until } from './support/child-process.js';
import { projectorEnv, type ProjectorEnv } from './support/projector-env.js';

/** A runner left running by its owner (a test that failed, say) must not keep the process alive. */
describe('a projection runner whose database pool is closed', () => {
  let env: ProjectorEnv;
  beforeAll(async () => {
    env = await projectorEnv('ended');
  });
  afterAll(async () => env.close());

  it('stops by itself instead of retrying on a pool that will never answer again', async () => {
    const pool = createPool(env.url, { max: 4 });
    const store = new PostgresEventStore(pool, { connectionString: env.url });
    const warnings: string[] = [];
    const runner = new ProjectionRunner({
      pool,
      store,
      projections: PROJECTIONS,
      profiles: env.profiles,
      timeZones: () => undefined,
      logger: { log: () => undefined, warn: (message) => void warnings.push(message), error: () => undefined },
      pollMs: 100,
    });
    const running = runner.run();
    await until(async () => runner.writing().length === PROJECTIONS.length, 10_000, 'the runner to take its locks');
    // What a harness closes, without stopping the runner: the store, then the pool.
    await store.close();
    const started = Date.now();
    await Promise.all([running, pool.end()]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(warnings.join('\n')).toMatch(/Projection runner stopped: its database pool was closed/);
    expect(runner.writing()).toEqual([]);
  });
});
