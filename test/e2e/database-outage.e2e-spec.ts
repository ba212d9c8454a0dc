import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createPool, type Pool } from '@relance/platform';
import { TEST_DATABASE_URL } from '@relance/testing/test-env.js';
import { freePort, TcpProxy } from '@relance/testing/tcp-proxy.js';
import { demoMerchant, freshMerchantId, ROOT, TestEngine, testEnv } from './support/engine-harness.js';

// PostgreSQL unreachable: a starting engine or projector waits for it DATABASE_WAIT_SECONDS, then
// exits non-zero with one line; a running engine answers 503 with Retry-After, writes nothing half,
// and carries on when PostgreSQL is back. The outage is a proxy of this test's own going down: the
// shared server is never touched.

const target = (() => {
  const url = new URL(TEST_DATABASE_URL);
  return { host: url.hostname, port: Number(url.port || 5432) };
})();

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly ms: number;
}

const children = new Set<ReturnType<typeof spawn>>();
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** `relance <app>` with the test's environment and these settings; resolves when it exits. */
function start(app: 'engine' | 'projector', env: Record<string, string>) {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/relance.js'), app], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...testEnv(), CONFIG_DIR: path.join(ROOT, 'config'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Run>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })));
  return { child, exited };
}

describe('a starting app with PostgreSQL unreachable', () => {
  for (const app of ['engine', 'projector'] as const) {
    it(`${app}: retries for DATABASE_WAIT_SECONDS, then exits non-zero with one clear line`, async () => {
      const closed = await freePort();
      const url = new URL(TEST_DATABASE_URL);
      url.port = String(closed);
      const run = await start(app, { DATABASE_URL: url.toString(), DATABASE_WAIT_SECONDS: '2', ENGINE_PORT: '0', PROJECTOR_PORT: '0', LOG_LEVEL: 'error' }).exited;
      expect(run.code).toBe(69);
      expect(run.ms).toBeGreaterThanOrEqual(2_000);
      expect(run.ms).toBeLessThan(20_000);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${closed} unreachable for 2 s \\(.*ECONNREFUSED.*\\): the ${app} stops$`));
    }, 30_000);
  }

  it('starts as soon as PostgreSQL answers within the wait', async () => {
    const proxy = await TcpProxy.start(target, false);
    const port = await freePort();
    const { child, exited } = start('engine', { DATABASE_URL: proxy.urlFor(TEST_DATABASE_URL), DATABASE_WAIT_SECONDS: '30', ENGINE_PORT: String(port), LOG_LEVEL: 'error' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await proxy.up();
      const deadline = Date.now() + 25_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status).catch(() => 0);
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await proxy.down();
    }
  }, 40_000);
});

describe('a running engine when PostgreSQL goes away', () => {
  const merchantId = freshMerchantId('e2e-down');
  let proxy: TcpProxy;
  let engine: TestEngine;
  let pos: string;
  /** Straight to the server, not through the proxy: what is stored, whatever the engine sees. */
  let direct: Pool;
  const stored = async (type?: string) =>
    Number(
      (await direct.query<{ n: string }>(`SELECT count(*)::text AS n FROM events WHERE metadata->>'merchantId' = $1 AND ($2::text IS NULL OR event_type = $2)`, [merchantId, type ?? null])).rows[0]!.n,
    );
  const purchase = (purchaseId: string) => ({ purchaseId, customerId: 'ana', storeId: 'halles', currency: 'EUR', purchasedAt: new Date().toISOString(), lines: [{ sku: 'A', name: 'Vin', quantity: 1, unitPriceCents: 1500 }] });

  beforeAll(async () => {
    direct = createPool(TEST_DATABASE_URL, { max: 1 });
    proxy = await TcpProxy.start(target);
    engine = await TestEngine.start([await demoMerchant(merchantId)], { env: { DATABASE_URL: proxy.urlFor(TEST_DATABASE_URL), API_KEY_CACHE_SECONDS: '60' } });
    pos = await engine.key(merchantId, 'pos');
    expect((await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'ana', profile: { firstName: 'Ana' } } })).status).toBe(201);
  });

  afterAll(async () => {
    await proxy.up();
    await engine.close();
    await proxy.down();
    await direct.end();
  });

  it('answers 503 with Retry-After, writes nothing, and records the same request once PostgreSQL is back', async () => {
    const key = randomUUID();
    const before = await stored();
    await proxy.down();
    const write = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body: purchase('p-outage') });
    expect(write.status).toBe(503);
    expect(write.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(write.body).toMatchObject({ error: 'database-unavailable', fields: [] });
    const read = await engine.call('GET', '/v1/customers/ana', { key: pos });
    expect(read.status).toBe(503);
    expect(await stored()).toBe(before);

    await proxy.up();
    const retried = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body: purchase('p-outage') });
    expect(retried.status).toBe(201);
    expect(await stored('PurchaseRecorded')).toBe(1);
  }, 30_000);
});
