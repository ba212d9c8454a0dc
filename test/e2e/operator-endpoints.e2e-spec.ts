import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiKeysRepository } from '../../apps/engine/src/auth/api-keys.repository.js';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

// /metrics and the OpenAPI document are not for everyone: they answer a request made on this host
// (a loopback connection that no proxy forwarded), and anyone else only with a credential — the
// metrics token for /metrics, an API key for /docs/json.

const merchantId = freshMerchantId('e2e-ops');
const METRICS_TOKEN = 'metrics-token-of-the-e2e-test-0123456789';
const REMOTE = { 'x-forwarded-for': '203.0.113.9' };

describe('with METRICS_TOKEN set', () => {
  let engine: TestEngine;
  let pos: string;
  beforeAll(async () => {
    engine = await TestEngine.start([await demoMerchant(merchantId)], { env: { METRICS_TOKEN, API_KEY_CACHE_SECONDS: '0' } });
    pos = await engine.key(merchantId, 'pos');
  });
  afterAll(async () => engine.close());

  it('serves /metrics on this host without a credential', async () => {
    const res = await engine.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/nodejs_heap_size_used_bytes\{app="engine"\} \d+/);
  });

  it('asks anyone else for the metrics token, compared exactly', async () => {
    const none = await engine.call('GET', '/metrics', { headers: REMOTE });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.text).not.toContain('nodejs_heap');
    for (const wrong of [`${METRICS_TOKEN}x`, METRICS_TOKEN.slice(0, -1), pos]) {
      expect((await engine.call('GET', '/metrics', { headers: { ...REMOTE, authorization: `Bearer ${wrong}` } })).status).toBe(401);
    }
    const ok = await engine.call('GET', '/metrics', { headers: { ...REMOTE, authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('relance_http_request_duration_seconds');
  });

  it('serves the OpenAPI document on this host, and to anyone else only with a valid API key', async () => {
    expect((await engine.call('GET', '/docs/json')).status).toBe(200);
    const none = await engine.call('GET', '/docs/json', { headers: REMOTE });
    expect(none.status).toBe(401);
    expect(none.text).not.toContain('/v1/purchases');
    expect((await engine.call('GET', '/docs/json', { headers: REMOTE, key: `${pos}x` })).status).toBe(401);
    expect((await engine.call('GET', '/docs/json', { headers: REMOTE, key: METRICS_TOKEN })).status).toBe(401);
    const ok = await engine.call<{ paths: Record<string, unknown> }>('GET', '/docs/json', { headers: REMOTE, key: pos });
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body.paths)).toContain('/v1/purchases');
    await new ApiKeysRepository(engine.pool).revoke(merchantId, pos.split('_')[1]!);
    expect((await engine.call('GET', '/docs/json', { headers: REMOTE, key: pos })).status).toBe(401);
  });

  it('serves the Swagger UI page itself to anyone: it holds nothing, and asks for a key to load the document', async () => {
    const page = await engine.call('GET', '/docs', { headers: REMOTE });
    expect(page.status).toBe(200);
    expect(page.text).toContain('/docs/json');
    expect(page.text).toMatch(/API key/);
  });
});

describe('without METRICS_TOKEN', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start([await demoMerchant(merchantId)]);
  });
  afterAll(async () => engine.close());

  it('serves /metrics on this host only', async () => {
    expect((await engine.call('GET', '/metrics')).status).toBe(200);
    const remote = await engine.call('GET', '/metrics', { headers: REMOTE });
    expect(remote.status).toBe(403);
    expect(remote.body).toMatchObject({ error: 'metrics-local-only' });
    expect((await engine.call('GET', '/metrics', { headers: { ...REMOTE, authorization: 'Bearer anything' } })).status).toBe(403);
  });
});
