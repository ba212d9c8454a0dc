import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { benchConfigDir } from '../../bench/support/bench-merchant.js';
import { relance } from './support/cli.js';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-adjust');
let engine: TestEngine;
let pos: string;
let operator: string;
const adjust = (key: string, body: Record<string, unknown>, customerId = 'ines') =>
  engine.call('POST', `/v1/customers/${customerId}/points-adjustments`, { key, idempotencyKey: randomUUID(), body });
const adjustments = async () =>
  (await engine.events(merchantId)).filter((e) => e.type === 'PointsAdjusted').map((e) => ({ data: e.data as Record<string, unknown>, actor: e.metadata.actor }));

beforeAll(async () => {
  engine = await TestEngine.start([await demoMerchant(merchantId)]);
  pos = await engine.key(merchantId, 'pos');
  operator = await engine.key(merchantId, 'operator');
  expect((await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'ines', profile: { firstName: 'Inès' } } })).status).toBe(201);
  const bought = await engine.call('POST', '/v1/purchases', {
    key: pos,
    body: { customerId: 'ines', storeId: 'halles', currency: 'EUR', purchasedAt: new Date().toISOString(), lines: [{ sku: 'SJ', name: 'Saint-Joseph', quantity: 2, unitPriceCents: 2000 }] },
  });
  expect(bought.body).toMatchObject({ balance: 40 });
});

afterAll(async () => engine.close());

describe('POST /v1/customers/:customerId/points-adjustments', () => {
  it('is refused to a point-of-sale key, and nothing is written', async () => {
    const res = await adjust(pos, { points: 50, kind: 'manual', reason: 'Geste commercial' });
    expect(res.status).toBe(403);
    expect(await adjustments()).toEqual([]);
  });

  it('gives points for an operator key, with the reason on the event and the operator as its actor', async () => {
    const res = await adjust(operator, { adjustmentId: 'dotation-1', points: 50, kind: 'manual', reason: 'Dotation anniversaire du club', sourceId: 'ticket-support-12' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ customerId: 'ines', adjustmentId: 'dotation-1', points: 50, debtPoints: 0, balance: 90, tier: 'decouverte', rewardsIssued: [] });
    const [recorded] = await adjustments();
    expect(recorded!.data).toMatchObject({ adjustmentId: 'dotation-1', points: 50, reason: 'manual', note: 'Dotation anniversaire du club', sourceId: 'ticket-support-12', lotId: 'adjustment:dotation-1' });
    expect(recorded!.actor).toMatch(/^key:/);
  });

  it('takes points back as a correction, the part not covered owed', async () => {
    const res = await adjust(operator, { points: -100, kind: 'correction', reason: 'Ticket saisi deux fois' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ points: -100, debtPoints: 10, balance: -10 });
  });

  it('needs a reason, a kind and points within LIMITS.adjustmentPoints, each refusal naming its field', async () => {
    const before = (await adjustments()).length;
    const noReason = await adjust(operator, { points: 10, kind: 'manual', reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.fields).toEqual([{ path: 'reason', message: expect.stringContaining('why') }]);
    const tooMany = await adjust(operator, { points: 1_000_001, kind: 'manual', reason: 'x' });
    expect(tooMany.status).toBe(400);
    expect((tooMany.body.fields as { path: string }[]).map((f) => f.path)).toEqual(['points']);
    const zero = await adjust(operator, { points: 0, kind: 'goodwill', reason: 'x' });
    expect((zero.body.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['kind', 'points']);
    expect((await adjustments()).length).toBe(before);
  });

  it('refuses the same adjustment id twice (409) and an unknown customer (404)', async () => {
    expect((await adjust(operator, { adjustmentId: 'dotation-1', points: 50, kind: 'manual', reason: 'encore' })).body).toMatchObject({ error: 'adjustment-already-recorded' });
    const unknown = await adjust(operator, { points: 5, kind: 'manual', reason: 'x' }, 'nobody');
    expect(unknown.status).toBe(404);
  });
});

describe('relance points adjust', () => {
  let configDir: string;
  beforeAll(async () => {
    configDir = await benchConfigDir(merchantId);
  });
  afterAll(async () => rm(configDir, { recursive: true, force: true }));

  it('gives points from a shell with the reason, once per --id', async () => {
    const args = ['points', 'adjust', '--merchant', merchantId, '--customer', 'ines', '--points', '25', '--kind', 'manual', '--reason', 'Dotation fidélité', '--id', 'cli-dotation-1'];
    const first = await relance(args, { CONFIG_DIR: configDir });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Adjusted ines by 25 points \(cli-dotation-1\): balance -?\d+$/m);
    const again = await relance(args, { CONFIG_DIR: configDir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('adjustment-already-recorded');
    const recorded = (await adjustments()).filter((a) => a.data.adjustmentId === 'cli-dotation-1');
    expect(recorded).toEqual([{ data: expect.objectContaining({ points: 25, reason: 'manual', note: 'Dotation fidélité' }), actor: 'system:cli-points' }]);
  }, 120_000);

  it('refuses a missing reason or an out-of-range number as a usage error, writing nothing', async () => {
    const before = (await adjustments()).length;
    const noReason = await relance(['points', 'adjust', '--merchant', merchantId, '--customer', 'ines', '--points', '5', '--kind', 'manual'], { CONFIG_DIR: configDir });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason');
    const tooMany = await relance(['points', 'adjust', '--merchant', merchantId, '--customer', 'ines', '--points', '2000000', '--kind', 'manual', '--reason', 'x'], { CONFIG_DIR: configDir });
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('--points');
    expect((await adjustments()).length).toBe(before);
  }, 120_000);
});
