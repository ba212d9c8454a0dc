import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { START, type LogPosition, type SubscriptionBatch } from '@relance/event-store';
import { PROJECTIONS } from '../../../apps/projector/src/projections/index.js';
import { consentsProjection } from '../../../apps/projector/src/projections/consents.projection.js';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { salesProjection } from '../../../apps/projector/src/projections/sales.projection.js';
import { tiersProjection } from '../../../apps/projector/src/projections/tiers.projection.js';
import type { ProjectedEvent } from '../../../apps/projector/src/projection.js';
import { applyBatch, ConcurrentWriterError } from '../../../apps/projector/src/runner/apply-batch.js';
import { loadCheckpoints } from '../../../apps/projector/src/runner/checkpoints.js';
import { ContextFactory } from '../../../apps/projector/src/runner/projection-context.js';
import { writeHistory } from './support/history.js';
import { projectorEnv, snapshot, type ProjectorEnv } from './support/projector-env.js';
import { Shop } from './support/shop.js';

describe('replaying events that were already applied', () => {
  let env: ProjectorEnv;
  let before: Awaited<ReturnType<typeof snapshot>>;
  let log: SubscriptionBatch[];
  beforeAll(async () => {
    env = await projectorEnv('replay');
    await writeHistory(await Shop.open(env));
    await env.project(PROJECTIONS, { batchSize: 7 });
    before = await snapshot(env.pool);
    log = await pages(env, 5);
  });
  afterAll(async () => env.close());

  async function checkpoints(): Promise<Map<string, LogPosition>> {
    const stored = await loadCheckpoints(env.pool, PROJECTIONS.map((p) => p.name));
    return new Map([...stored.values()].map((c) => [c.name, c.position]));
  }

  it('changes nothing when the whole log is delivered again (at-least-once delivery)', async () => {
    const client = await env.pool.connect();
    try {
      const stored = await checkpoints();
      for (const batch of log) {
        const applied = await applyBatch({
          client,
          batch,
          projections: PROJECTIONS.map((p) => ({ projection: p, checkpointName: p.name, checkpoint: stored.get(p.name)! })),
          profiles: env.profiles,
          contexts: new ContextFactory('', () => undefined),
        });
        // Only the final page can still move a checkpoint (past events nobody handles): with no event applied.
        expect(applied.map((a) => a.events).filter((n) => n > 0)).toEqual([]);
      }
    } finally {
      client.release();
    }
    expect(await snapshot(env.pool)).toEqual(before);
    await env.project();
    expect(await snapshot(env.pool)).toEqual(before);
  });

  it('refuses a writer whose checkpoint is stale, and rolls its batch back', async () => {
    const client = await env.pool.connect();
    try {
      const stale = applyBatch({
        client,
        batch: log[0]!,
        projections: PROJECTIONS.map((p) => ({ projection: p, checkpointName: p.name, checkpoint: START })),
        profiles: env.profiles,
        contexts: new ContextFactory('', () => undefined),
      });
      await expect(stale).rejects.toBeInstanceOf(ConcurrentWriterError);
    } finally {
      client.release();
    }
    expect(await snapshot(env.pool)).toEqual(before);
  });

  it('leaves rows keyed by event or stream revision unchanged even without the checkpoint guard', async () => {
    const contexts = new ContextFactory('', () => undefined);
    for (const projection of [customersProjection, consentsProjection, tiersProjection, salesProjection]) {
      for (const batch of log) {
        const events = (batch.events as unknown as ProjectedEvent[]).filter((e) => projection.handles.includes(e.type));
        if (events.length === 0) continue;
        const context = contexts.forBatch(await env.profiles.open(events));
        for (const statement of projection.apply(events, context)) await env.pool.query(statement);
      }
    }
    expect(await snapshot(env.pool)).toEqual(before);
  });
});

/** The log as a subscription delivers it, in pages of `size`. */
async function pages(env: ProjectorEnv, size: number): Promise<SubscriptionBatch[]> {
  const batches: SubscriptionBatch[] = [];
  let after = START;
  for (;;) {
    const slice = await env.store.readAll({ after, maxCount: size });
    if (slice.events.length > 0) batches.push({ events: slice.events, checkpoint: slice.next, caughtUp: slice.isEnd });
    after = slice.next;
    if (slice.isEnd) return batches;
  }
}
