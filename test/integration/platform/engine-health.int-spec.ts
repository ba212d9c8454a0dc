import { afterEach, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@relance/platform';
import { createEngineApp } from '../../../apps/engine/src/create-engine-app.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../support/test-env.js';

describe('engine /health and /metrics', () => {
  let app: NestFastifyApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(env: Record<string, string>): Promise<string> {
    const config = loadConfig({ DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'error', PII_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), ...env });
    app = await createEngineApp({ config });
    await app.listen(0, '127.0.0.1');
    return app.getUrl();
  }

  it('reports PostgreSQL, the event store and Redis (its scheduler\'s) as up, and its merge completion and scheduled runs as keeping up', async () => {
    const url = await start({});
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['event-store (postgres)', 'merge-completion', 'message-relay', 'postgres', 'redis', 'scheduled-runs']);
  });

  it('answers 503 naming the dependency that is down', async () => {
    // Nothing listens on port 1: Redis is unreachable while PostgreSQL is fine.
    const url = await start({ REDIS_URL: 'redis://127.0.0.1:1' });
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string; error?: string }> };
    expect(body.status).toBe('failing');
    expect(body.checks.redis?.status).toBe('failing');
    expect(body.checks.redis?.error).toMatch(/did not answer/);
    expect(body.checks.postgres?.status).toBe('ok');
  });

  it('serves Prometheus metrics in the text format', async () => {
    const url = await start({});
    await fetch(`${url}/health`);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^# HELP process_cpu_user_seconds_total/m);
    expect(text).toMatch(/nodejs_heap_size_used_bytes\{app="engine"\} \d+/);
  });
});
