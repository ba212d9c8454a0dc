import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { benchConfigDir } from '../../bench/support/bench-merchant.js';
import { relance } from './support/cli.js';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-keys');
let configDir: string;
let engine: TestEngine;

beforeAll(async () => {
  configDir = await benchConfigDir(merchantId);
  engine = await TestEngine.start([await demoMerchant(merchantId)], { env: { API_KEY_CACHE_SECONDS: '0' } });
});

afterAll(async () => {
  await engine.close();
  await rm(configDir, { recursive: true, force: true });
});

describe('relance keys', () => {
  it('creates a key shown once, lists it, and revokes it', async () => {
    const created = await relance(['keys', 'create', '--merchant', merchantId, '--role', 'pos', '--name', 'caisse 1'], { CONFIG_DIR: configDir });
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^rk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('shown this once');
    expect((await engine.call('GET', '/v1/customers/nobody', { key: token })).status).toBe(404);

    const keyId = token.split('_')[1]!;
    const listed = await relance(['keys', 'list', '--merchant', merchantId], { CONFIG_DIR: configDir });
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).toContain('caisse 1');
    expect(listed.stdout).not.toContain(token);

    const revoked = await relance(['keys', 'revoke', '--merchant', merchantId, '--key', keyId], { CONFIG_DIR: configDir });
    expect(revoked.code).toBe(0);
    expect((await engine.call('GET', '/v1/customers/nobody', { key: token })).status).toBe(401);
  }, 120_000);

  it('refuses an unknown role and an unconfigured merchant', async () => {
    const role = await relance(['keys', 'create', '--merchant', merchantId, '--role', 'boss'], { CONFIG_DIR: configDir });
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('--role must be one of pos, operator, analyst, support, admin');
    const merchant = await relance(['keys', 'create', '--merchant', 'not-configured', '--role', 'pos'], { CONFIG_DIR: configDir });
    expect(merchant.code).toBe(1);
    expect(merchant.stderr).toContain('Merchant "not-configured" is not configured');
  }, 60_000);

  it('prints a fresh master key: base64 of 32 bytes', async () => {
    const a = await relance(['keys', 'master']);
    const b = await relance(['keys', 'master']);
    expect(Buffer.from(a.stdout.trim(), 'base64')).toHaveLength(32);
    expect(a.stdout).not.toBe(b.stdout);
  }, 60_000);
});

describe('relance integrations set-secret', () => {
  it('stores the secret read from stdin, sealed, and webhooks verify with it', async () => {
    const res = await relance(['integrations', 'set-secret', '--merchant', merchantId, '--platform', 'woocommerce'], {}, 'cli-secret-123\n');
    expect(res.code).toBe(0);
    const { rows } = await engine.pool.query<{ sealed_secret: string }>('SELECT sealed_secret FROM integration_secrets WHERE merchant_id = $1', [merchantId]);
    expect(rows[0]!.sealed_secret).not.toContain('cli-secret-123');
    const { createHmac } = await import('node:crypto');
    const body = JSON.stringify({ id: 1, currency: 'EUR', date_created_gmt: '2026-11-20T10:00:00', billing: {}, line_items: [{ id: 1, name: 'Vin', quantity: 1, subtotal: '10.00', total: '10.00' }] });
    const signed = await engine.call('POST', `/v1/webhooks/woocommerce/${merchantId}`, {
      raw: body,
      headers: { 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-signature': createHmac('sha256', 'cli-secret-123').update(body).digest('base64') },
    });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ status: 'recorded', customerId: null });
    const platform = await relance(['integrations', 'set-secret', '--merchant', merchantId, '--platform', 'magento'], {}, 'x');
    expect(platform.code).toBe(2);
  }, 60_000);
});
