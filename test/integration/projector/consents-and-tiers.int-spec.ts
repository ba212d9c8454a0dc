import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { consentsProjection } from '../../../apps/projector/src/projections/consents.projection.js';
import { tiersProjection } from '../../../apps/projector/src/projections/tiers.projection.js';
import { writeHistory } from './support/history.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

describe('consents and tiers read models', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  beforeAll(async () => {
    env = await projectorEnv('consents');
    shop = await Shop.open(env);
    await writeHistory(shop);
    await shop.do('alice', { type: 'WithdrawConsent', data: { channel: 'email', purpose: 'marketing', source: 'provider', proof: { providerReference: 'unsub-77' }, reason: 'List-Unsubscribe' } }, '2026-03-01T08:00:00.000Z');
    await shop.do('alice', { type: 'GrantConsent', data: { channel: 'email', purpose: 'events', source: 'web', proof: {} } }, '2026-03-02T08:00:00.000Z');
    // 1,200 € more: alice reaches "connaisseur".
    await shop.purchase('alice', 'A-2', '2026-03-05T10:00:00.000Z', [line(1, 120000)]);
    await env.project([consentsProjection, tiersProjection]);
  });
  afterAll(async () => env.close());

  it('holds the current consent per channel and purpose', async () => {
    const current = (await rowsOf(env.pool, 'consents', shop.merchantId)).filter((c) => c.customer_id === 'alice');
    expect(current.map((c) => [c.channel, c.purpose, c.granted, c.source]).sort()).toEqual([
      ['email', 'events', true, 'web'],
      ['email', 'marketing', false, 'provider'],
    ]);
  });

  it('keeps the history with its proof, and removes the sealed IP of an erased customer only', async () => {
    const history = await rowsOf(env.pool, 'consent_history', shop.merchantId);
    const alice = history.filter((h) => h.customer_id === 'alice');
    expect(alice.map((h) => [h.granted, h.purpose, h.reason])).toEqual(
      expect.arrayContaining([[true, 'marketing', null], [false, 'marketing', 'List-Unsubscribe'], [true, 'events', null]]),
    );
    expect(alice.find((h) => h.granted && h.purpose === 'marketing')!.proof).toEqual({ doubleOptInToken: 'tok-1', ip: 'pii:v1:aXY:aXA' });
    expect(history.find((h) => h.customer_id === 'chloe')!.proof).toEqual({ staffId: 'st-1' });
  });

  it('holds the tier each customer holds and every change', async () => {
    const tiers = await rowsOf(env.pool, 'customer_tiers', shop.merchantId);
    expect(Object.fromEntries(tiers.map((t) => [t.customer_id, t.tier]))).toMatchObject({ alice: 'connaisseur', bob: 'connaisseur', chloe: 'decouverte' });
    const history = (await rowsOf(env.pool, 'tier_history', shop.merchantId)).filter((h) => h.customer_id === 'alice');
    // 345 € in January made her "amateur", 1,200 € more in March "connaisseur".
    expect(history.map((h) => [h.from_tier, h.to_tier, h.direction, h.rolling_spend_cents]).sort()).toEqual(
      [[null, 'decouverte', 'up', 0], ['decouverte', 'amateur', 'up', 34500], ['amateur', 'connaisseur', 'up', 138500]].sort(),
    );
  });
});
