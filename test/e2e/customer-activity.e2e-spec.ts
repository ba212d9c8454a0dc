import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { customerDecider, EventMetadata, streams } from '@relance/domain';
import type { EventStore } from '@relance/event-store';
import { EVENT_STORE } from '@relance/platform';
import { v7 as uuidv7 } from 'uuid';
import { DecisionContexts } from '../../apps/engine/src/write-path/decision-context.js';
import { StreamCommandRunner } from '../../apps/engine/src/write-path/stream-command-runner.js';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-act');
let engine: TestEngine;
let pos: string;
let support: string;

const enrol = async (customerId: string, profile: Record<string, unknown> = {}) => {
  const res = await engine.call('POST', '/v1/customers', { key: pos, body: { customerId, profile } });
  expect(res.status).toBe(201);
};
const buy = async (customerId: string, purchaseId: string, euros: number) => {
  const res = await engine.call('POST', '/v1/purchases', {
    key: pos,
    body: { purchaseId, customerId, storeId: 'halles', currency: 'EUR', purchasedAt: new Date().toISOString(), lines: [{ sku: 'X', name: 'Vin', quantity: 1, unitPriceCents: euros * 100 }] },
  });
  expect(res.status).toBe(201);
  return res.body;
};
const typesOf = async (customerId: string) => (await engine.events(merchantId)).filter((e) => e.streamId.endsWith(`.${customerId}`)).map((e) => e.type);

beforeAll(async () => {
  // The demo program without its automatic voucher, so that balances build up for redemptions.
  const merchant = await demoMerchant(merchantId, (program) => ({ ...program, rewards: program.rewards.map((r) => ({ ...r, autoIssue: false })) }));
  engine = await TestEngine.start([merchant]);
  pos = await engine.key(merchantId, 'pos');
  support = await engine.key(merchantId, 'support');
  await enrol('bea', { email: 'bea@example.fr' });
});

afterAll(async () => {
  await engine.close();
});

describe('consents', () => {
  it('grants per channel and purpose with source and proof, idempotently', async () => {
    const key = randomUUID();
    const body = { channel: 'sms', purpose: 'marketing', source: 'pos', proof: { staffId: 'st-1', formVersion: 'v3' } };
    const res = await engine.call('POST', '/v1/customers/bea/consents/grant', { key: pos, idempotencyKey: key, body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customerId: 'bea', channel: 'sms', purpose: 'marketing', granted: true, source: 'pos' });
    const count = await engine.eventCount(merchantId);
    const retry = await engine.call('POST', '/v1/customers/bea/consents/grant', { key: pos, idempotencyKey: key, body });
    expect(retry.text).toBe(res.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await engine.eventCount(merchantId)).toBe(count);
    const granted = (await engine.events(merchantId)).filter((e) => e.type === 'ConsentGranted').at(-1);
    expect(granted?.data).toMatchObject({ proof: { staffId: 'st-1', formVersion: 'v3' } });
  });

  it('withdraws, and the withdrawal shows on the customer', async () => {
    const res = await engine.call('POST', '/v1/customers/bea/consents/withdraw', { key: pos, body: { channel: 'sms', purpose: 'marketing', source: 'provider', proof: { providerReference: 'STOP-123' }, reason: 'STOP' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ granted: false, source: 'provider' });
    const customer = await engine.call('GET', '/v1/customers/bea', { key: pos });
    expect(customer.body.consents).toEqual([expect.objectContaining({ channel: 'sms', purpose: 'marketing', granted: false })]);
  });

  it('returns the first withdrawal to a retry, and rejects a bad withdrawal naming its fields', async () => {
    const key = randomUUID();
    const body = { channel: 'email', purpose: 'marketing', source: 'support', reason: 'asked by phone' };
    const first = await engine.call('POST', '/v1/customers/bea/consents/withdraw', { key: support, idempotencyKey: key, body });
    expect(first.status).toBe(200);
    const count = await engine.eventCount(merchantId);
    const retry = await engine.call('POST', '/v1/customers/bea/consents/withdraw', { key: support, idempotencyKey: key, body });
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const bad = await engine.call('POST', '/v1/customers/bea/consents/withdraw', { key: support, body: { channel: 'email', purpose: 'spam', withdrawnAt: 'tomorrow', reason: 7 } });
    expect(bad.status).toBe(400);
    expect((bad.body.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['purpose', 'reason', 'withdrawnAt']);
    expect(await engine.eventCount(merchantId)).toBe(count);
  });

  it('rejects an unknown channel and an unknown proof field, appending nothing; 404 for an unknown customer', async () => {
    const before = await engine.eventCount(merchantId);
    const bad = await engine.call('POST', '/v1/customers/bea/consents/grant', { key: pos, body: { channel: 'fax', purpose: 'marketing', proof: { signature: 'x' } } });
    expect(bad.status).toBe(400);
    expect((bad.body.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['channel', 'proof.signature']);
    const unknown = await engine.call('POST', '/v1/customers/nobody/consents/grant', { key: pos, body: { channel: 'email', purpose: 'marketing' } });
    expect(unknown.status).toBe(404);
    expect(await engine.eventCount(merchantId)).toBe(before);
  });
});

describe('visits', () => {
  it('records a tasting visit with its points (once per day), idempotently', async () => {
    const key = randomUUID();
    const body = { kind: 'tasting', storeId: 'halles', eventName: 'Dégustation Rhône' };
    const res = await engine.call('POST', '/v1/customers/bea/visits', { key: pos, idempotencyKey: key, body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ customerId: 'bea', pointsEarned: 5, balance: 5 });
    const retry = await engine.call('POST', '/v1/customers/bea/visits', { key: pos, idempotencyKey: key, body });
    expect(retry.text).toBe(res.text);
    const second = await engine.call('POST', '/v1/customers/bea/visits', { key: pos, body });
    expect(second.body).toMatchObject({ pointsEarned: 0, balance: 5 });
  });

  it('rejects an unknown kind and store, appending nothing', async () => {
    const before = await engine.eventCount(merchantId);
    const bad = await engine.call('POST', '/v1/customers/bea/visits', { key: pos, body: { kind: 'party', storeId: 3 } });
    expect(bad.status).toBe(400);
    expect((bad.body.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['kind', 'storeId']);
    expect(await engine.eventCount(merchantId)).toBe(before);
  });
});

describe('reward redemption', () => {
  it('refuses when the balance is short, with balance and required (422), appending nothing', async () => {
    await enrol('cleo');
    await buy('cleo', 'cleo-1', 150);
    const before = await engine.eventCount(merchantId);
    const res = await engine.call('POST', '/v1/customers/cleo/redemptions', { key: pos, body: { rewardCode: 'soiree-vigneron' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'reward-not-usable' });
    const short = await engine.call('POST', '/v1/customers/cleo/redemptions', { key: pos, body: { rewardCode: 'bon-10' } });
    expect(short.status).toBe(422);
    expect(short.body).toMatchObject({ error: 'insufficient-points', details: { balance: 150, required: 200 } });
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('burns points for a reward, idempotently', async () => {
    await enrol('dan');
    // 300 € reach Amateur (300 points), whose 1.25 multiplier makes 400 € earn 500.
    expect(await buy('dan', 'dan-1', 300)).toMatchObject({ pointsEarned: 300, balance: 300, tierChange: { to: 'amateur' } });
    expect(await buy('dan', 'dan-2', 400)).toMatchObject({ pointsEarned: 500, balance: 800 });
    const key = randomUUID();
    const body = { redemptionId: 'dan-soiree', rewardCode: 'soiree-vigneron' };
    const res = await engine.call('POST', '/v1/customers/dan/redemptions', { key: support, idempotencyKey: key, body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ redemptionId: 'dan-soiree', reward: { rewardCode: 'soiree-vigneron', kind: 'experience' }, pointsSpent: 600, balance: 200 });
    const count = await engine.eventCount(merchantId);
    expect((await engine.call('POST', '/v1/customers/dan/redemptions', { key: support, idempotencyKey: key, body })).text).toBe(res.text);
    expect(await engine.eventCount(merchantId)).toBe(count);
  });

  it('rejects a malformed reward code (400) and answers 422 for one the program does not have', async () => {
    const bad = await engine.call('POST', '/v1/customers/dan/redemptions', { key: pos, body: { rewardCode: 'bon 10!' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ fields: [{ path: 'rewardCode' }] });
    const unknown = await engine.call('POST', '/v1/customers/dan/redemptions', { key: pos, body: { rewardCode: 'croisiere' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ error: 'unknown-reward' });
  });
});

describe('merging duplicates', () => {
  it('moves points, purchases and identities to the survivor, on both streams, idempotently', async () => {
    await enrol('eve', { email: 'eve@example.fr' });
    await enrol('eve-dup', { email: 'eve.dup@example.fr', phone: '0611111111' });
    await buy('eve', 'eve-1', 50);
    await buy('eve-dup', 'eve-dup-1', 80);
    const key = randomUUID();
    const res = await engine.call('POST', '/v1/customers/eve/merge', { key: support, idempotencyKey: key, body: { duplicateId: 'eve-dup' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customerId: 'eve', points: { balance: 130 } });
    expect((await typesOf('eve-dup')).at(-1)).toBe('CustomersMergedV2');
    expect((await typesOf('eve')).at(-1)).toBe('CustomersMergedV2');
    const count = await engine.eventCount(merchantId);
    const retry = await engine.call('POST', '/v1/customers/eve/merge', { key: support, idempotencyKey: key, body: { duplicateId: 'eve-dup' } });
    expect(retry.text).toBe(res.text);
    // Without the key, a second merge finds the work done and appends nothing either.
    const again = await engine.call('POST', '/v1/customers/eve/merge', { key: support, body: { duplicateId: 'eve-dup' } });
    expect(again.status).toBe(200);
    expect(await engine.eventCount(merchantId)).toBe(count);

    const duplicate = await engine.call('GET', '/v1/customers/eve-dup', { key: pos });
    expect(duplicate.body).toEqual({ customerId: 'eve-dup', status: 'merged', survivorId: 'eve' });
    const byPhone = await engine.call('POST', '/v1/customers', { key: pos, body: { profile: { phone: '06 11 11 11 11' } } });
    expect(byPhone.body).toMatchObject({ error: 'duplicate-identity', details: { customerId: 'eve' } });
    const refund = await engine.call('POST', '/v1/purchases/eve-dup-1/refunds', { key: pos, body: { storeId: 'halles' } });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ customerId: 'eve', pointsTakenBack: 80, balance: 50 });
    const onMerged = await engine.call('POST', '/v1/customers/eve-dup/visits', { key: pos, body: { kind: 'store' } });
    expect(onMerged.status).toBe(409);
    expect(onMerged.body).toMatchObject({ error: 'customer-merged', details: { survivorId: 'eve' } });
  });

  it('keeps the duplicate open when the survivor does not exist, and refuses a self-merge', async () => {
    await enrol('fay');
    const before = await engine.eventCount(merchantId);
    const unknown = await engine.call('POST', '/v1/customers/nobody/merge', { key: support, body: { duplicateId: 'fay' } });
    expect(unknown.status).toBe(404);
    const self = await engine.call('POST', '/v1/customers/fay/merge', { key: support, body: { duplicateId: 'fay' } });
    expect(self.status).toBe(422);
    const bad = await engine.call('POST', '/v1/customers/fay/merge', { key: support, body: { duplicate: 'x' } });
    expect(bad.status).toBe(400);
    expect((bad.body.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['duplicate', 'duplicateId']);
    expect(await engine.eventCount(merchantId)).toBe(before);
    expect((await engine.call('GET', '/v1/customers/fay', { key: pos })).body).toMatchObject({ status: 'active' });
  });

  it('is not allowed to a point-of-sale key', async () => {
    const res = await engine.call('POST', '/v1/customers/bea/merge', { key: pos, body: { duplicateId: 'fay' } });
    expect(res.status).toBe(403);
  });
});

describe('a merge that stopped half way (the process died between its two appends)', () => {
  it('is completed by the engine: the survivor takes in what the duplicate handed over', async () => {
    await enrol('gil');
    await enrol('gil-dup');
    await buy('gil-dup', 'gil-dup-1', 70);
    const runner = engine.app.get(StreamCommandRunner);
    const context = engine.app.get(DecisionContexts).forMerchant(merchantId);
    const seed = uuidv7();
    // Only the first half: MergeInto on the duplicate, as the HTTP merge appends it first.
    await runner.run({
      streamId: streams.customer(merchantId, 'gil-dup'),
      folder: customerDecider,
      decide: (state) => customerDecider.decide({ type: 'MergeInto', data: { survivorId: 'gil' } }, state, context),
      envelope: { merchantId, actor: 'system:test', correlationId: seed, causationId: seed, seed, resumed: false },
      step: 'merge-into',
      occurredAt: context.now,
    });
    let balance = 0;
    for (let i = 0; i < 100 && balance !== 70; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      balance = ((await engine.call('GET', '/v1/customers/gil', { key: pos })).body.points as { balance: number }).balance;
    }
    expect(balance).toBe(70);
    expect((await typesOf('gil')).at(-1)).toBe('CustomersMergedV2');
    const refund = await engine.call('POST', '/v1/purchases/gil-dup-1/refunds', { key: pos, body: { storeId: 'halles' } });
    expect(refund.body).toMatchObject({ customerId: 'gil', pointsTakenBack: 70 });
  });
});

describe('a merge that stopped half way before CustomersMergedV2 existed (its hand-over stored as CustomersMerged version 1)', () => {
  /** Appends to the duplicate's stream the version-1 hand-over the engine of that time would have appended. */
  const halfMergedV1 = async (survivorId: string, duplicateId: string, purchaseId: string) => {
    const earned = (await engine.events(merchantId)).find((e) => e.type === 'PointsEarned' && (e.data as { sourceId: string }).sourceId === purchaseId)!;
    const { lotId, points, earnedAt, expiresAt } = earned.data as { lotId: string; points: number; earnedAt: string; expiresAt: string | null };
    const bought = (await engine.events(merchantId)).find((e) => e.type === 'PurchaseRecorded' && (e.data as { purchaseId: string }).purchaseId === purchaseId)!;
    const { purchasedAt, totalCents } = bought.data as { purchasedAt: string; totalCents: number };
    const mergedAt = new Date().toISOString();
    const data = {
      survivorId,
      mergedId: duplicateId,
      role: 'merged',
      transferred: {
        lots: [{ lotId, remaining: points, earnedAt, expiresAt }],
        debtPoints: 0,
        purchases: [
          {
            purchaseId,
            purchasedAt,
            totalCents,
            refundedCents: 0,
            lines: [{ lineNo: 1, quantity: 1, totalCents, basisCents: totalCents, refundedQuantity: 0, refundedCents: 0 }],
            pointsEarned: points,
            pointsTakenBack: 0,
            lotId,
          },
        ],
        rewards: [],
      },
      mergedAt,
    };
    const eventId = uuidv7();
    const metadata = EventMetadata.parse({ eventId, merchantId, correlationId: eventId, causationId: eventId, actor: 'key:old-engine', occurredAt: mergedAt, recordedAt: mergedAt });
    await engine.app.get<EventStore>(EVENT_STORE).append(streams.customer(merchantId, duplicateId), [{ type: 'CustomersMerged', data, metadata }], 'any');
  };
  const balanceOf = async (customerId: string) => ((await engine.call('GET', `/v1/customers/${customerId}`, { key: pos })).body.points as { balance: number }).balance;

  it('is completed by the engine from the stored version 1, and the purchase it handed over can be refunded', async () => {
    await enrol('hal');
    await enrol('hal-dup');
    await buy('hal-dup', 'hal-dup-1', 60);
    await halfMergedV1('hal', 'hal-dup', 'hal-dup-1');
    let balance = 0;
    for (let i = 0; i < 100 && balance !== 60; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      balance = await balanceOf('hal');
    }
    expect(balance).toBe(60);
    expect((await typesOf('hal')).at(-1)).toBe('CustomersMergedV2');
    const refund = await engine.call('POST', '/v1/purchases/hal-dup-1/refunds', { key: pos, body: { storeId: 'halles' } });
    expect(refund.body).toMatchObject({ customerId: 'hal', pointsTakenBack: 60 });
  });

  it('is completed by a retry of the merge, which reads the stored version 1 as the hand-over', async () => {
    await enrol('ivy');
    await enrol('ivy-dup');
    await buy('ivy-dup', 'ivy-dup-1', 45);
    await halfMergedV1('ivy', 'ivy-dup', 'ivy-dup-1');
    const retry = await engine.call('POST', '/v1/customers/ivy/merge', { key: support, body: { duplicateId: 'ivy-dup' } });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ customerId: 'ivy', points: { balance: 45 } });
    expect((await typesOf('ivy')).filter((t) => t === 'CustomersMergedV2')).toHaveLength(1);
  });
});
