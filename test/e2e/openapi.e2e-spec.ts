import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await TestEngine.start([await demoMerchant(freshMerchantId('e2e-doc'))]);
});

afterAll(async () => {
  await engine.close();
});

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { security: unknown[]; parameters: { name: string }[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

describe('GET /docs/json', () => {
  it('documents every /v1 route the engine serves, with its auth scheme, body, responses and error shape', async () => {
    const res = await engine.call<Document>('GET', '/docs/json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    const served = engine.app
      .getHttpAdapter()
      .getInstance()
      .printRoutes({ commonPrefix: false })
      .split('\n')
      .filter((l: string) => l.includes('/v1/'));
    expect(served.length).toBeGreaterThan(0);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(
      [
        'GET /v1/customers/{customerId}',
        'GET /v1/customers/{customerId}/decisions',
        'GET /v1/customers/{customerId}/decisions/{campaignId}',
        'POST /v1/campaigns/{campaignId}/launch-previews',
        'POST /v1/campaigns/{campaignId}/launches',
        'PATCH /v1/customers/{customerId}',
        'POST /v1/customers',
        'POST /v1/customers/{customerId}/consents/grant',
        'POST /v1/customers/{customerId}/consents/withdraw',
        'POST /v1/customers/{customerId}/merge',
        'POST /v1/customers/{customerId}/points-adjustments',
        'POST /v1/customers/{customerId}/redemptions',
        'POST /v1/customers/{customerId}/visits',
        'POST /v1/purchases',
        'POST /v1/purchases/{purchaseId}/refunds',
        'POST /v1/webhooks/shopify/{merchantId}',
        'POST /v1/webhooks/woocommerce/{merchantId}',
        'POST /v1/providers/sendgrid/events',
        'POST /v1/providers/twilio/status',
        'POST /v1/providers/twilio/inbound',
        'POST /v1/providers/merci-facteur/events',
        'GET /unsubscribe/{token}',
        'POST /unsubscribe/{token}',
      ].sort(),
    );
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Error).toMatchObject({ required: expect.arrayContaining(['error', 'message', 'fields']) });
    const record = doc.paths['/v1/purchases']!.post!;
    expect(record.security).toEqual([{ apiKey: [] }]);
    expect(record.parameters.map((p) => p.name)).toContain('Idempotency-Key');
    expect(record.requestBody).toMatchObject({ content: { 'application/json': { schema: { properties: { currency: { type: 'string', pattern: '^[A-Z]{3}$' } }, additionalProperties: false } } } });
    expect(Object.keys(record.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404', '409', '413', '422', '503']));
    const webhook = doc.paths['/v1/webhooks/shopify/{merchantId}']!.post!;
    expect(webhook.security).toEqual([]);
    expect(webhook.parameters.map((p) => p.name)).toContain('X-Shopify-Hmac-Sha256');
  });

  it('serves Swagger UI at /docs', async () => {
    const page = await engine.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('/docs/json');
    const bundle = await engine.call('GET', '/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
  });
});
