import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { streams } from '@relance/domain';
import { MerchantDirectory } from '@relance/platform';
import { v7 as uuidv7 } from 'uuid';
import { createEngineApp } from '../../../apps/engine/src/create-engine-app.js';
import { demoMerchant, freshMerchantId, testConfig } from '../../e2e/support/engine-harness.js';
import { until } from '../projector/support/child-process.js';
import { projectorEnv, type ProjectorEnv } from '../projector/support/projector-env.js';

/**
 * The engine's own subscription (merge completion) on /metrics and /health: lag against the log's
 * head, and degraded while it fails or falls behind. In a schema of its own, so that the append this
 * test holds open delays no other test's readers.
 */
describe("the engine's merge completion subscription, seen from /health and /metrics", () => {
  let env: ProjectorEnv;
  let app: NestFastifyApplication;
  let url: string;
  const merchantId = freshMerchantId('mprog');

  beforeAll(async () => {
    env = await projectorEnv('mergeprog');
    const config = testConfig({ DATABASE_URL: env.url, LAG_ALERT_SECONDS: '2' });
    app = await createEngineApp({ config, merchants: new MerchantDirectory([await demoMerchant(merchantId)]) });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  const health = async () => {
    const response = await fetch(`${url}/health`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, { status: string; error?: string }> } };
  };
  const lagEvents = async () => {
    const match = /^relance_subscription_lag_events\{subscription="merge-completion",app="engine"\} (\S+)$/m.exec(await (await fetch(`${url}/metrics`)).text());
    return match ? Number(match[1]) : null;
  };

  /** The hand-over half of a merge, written straight into the log (its survivor does not exist: nothing to absorb). */
  async function handOver(): Promise<void> {
    const eventId = uuidv7();
    const at = new Date().toISOString();
    await env.pool.query(
      `INSERT INTO events (stream_id, stream_position, event_id, event_type, data, metadata) VALUES ($1, 0, $2, 'CustomersMerged', $3, $4)`,
      [
        streams.customer(merchantId, `dup-${eventId}`),
        eventId,
        JSON.stringify({ survivorId: `nobody-${eventId}`, mergedId: `dup-${eventId}`, role: 'merged', transferred: { lots: [], debtPoints: 0, purchases: [], rewards: [] }, mergedAt: at }),
        JSON.stringify({ eventId, merchantId, correlationId: eventId, causationId: eventId, actor: 'system:test', occurredAt: at, recordedAt: at }),
      ],
    );
  }

  it('counts a hand-over held back by an append in flight as lag, and turns /health degraded once it is older than the alert', async () => {
    await until(async () => (await health()).status === 200, 20_000, '/health to answer 200');
    const held = await env.pool.connect();
    try {
      await held.query('BEGIN');
      await held.query(`INSERT INTO events (stream_id, stream_position, event_id, event_type, data, metadata) VALUES ($1, 0, $2, 'Held', '{}', '{}')`, [`held-${uuidv7()}`, uuidv7()]);
      await handOver();
      await until(async () => (await lagEvents()) === 1, 15_000, 'the lag to count the hand-over');
      await until(async () => (await health()).status === 503, 15_000, '/health to turn degraded');
      const degraded = await health();
      expect(degraded.body.status).toBe('degraded');
      expect(degraded.body.checks['merge-completion']).toMatchObject({ status: 'degraded', error: expect.stringMatching(/^1 events, \d+ s behind the log's head$/) });
      await held.query('COMMIT');
    } finally {
      await held.query('ROLLBACK').catch(() => undefined);
      held.release();
    }
    await until(async () => (await lagEvents()) === 0, 15_000, 'the hand-over to be handled');
    await until(async () => (await health()).status === 200, 15_000, '/health to answer 200 again');
  }, 60_000);

  it('turns /health degraded with the error while it fails, and resumes by itself once the cause is removed', async () => {
    await env.pool.query('ALTER TABLE engine_checkpoints RENAME TO engine_checkpoints_away');
    try {
      await handOver();
      // Every consumer of the engine keeps its checkpoint in that table (the message relay too): wait for
      // this one's own check rather than for the first 503.
      await until(async () => (await health()).body.checks['merge-completion']?.status === 'degraded', 15_000, 'merge completion to turn degraded');
      expect((await health()).status).toBe(503);
      expect((await health()).body.checks['merge-completion']).toMatchObject({ status: 'degraded', error: expect.stringMatching(/^stopped since .*engine_checkpoints/) });
    } finally {
      await env.pool.query('ALTER TABLE engine_checkpoints_away RENAME TO engine_checkpoints');
    }
    await until(async () => (await health()).status === 200, 30_000, '/health to answer 200 again');
    expect(await lagEvents()).toBe(0);
  }, 60_000);
});
