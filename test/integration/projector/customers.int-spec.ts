import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { streams } from '@relance/domain';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

describe('customers read model', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  beforeAll(async () => {
    env = await projectorEnv('customers');
    shop = await Shop.open(env);
    await shop.enrol('anne', '2026-01-05T10:00:00.000Z', { firstName: 'Anne', lastName: 'Leroy', email: 'anne@example.fr', postalAddress: { city: 'Lyon' }, birthDate: '1980-02-29' });
    await shop.do('anne', { type: 'GrantConsent', data: { channel: 'email', purpose: 'marketing', source: 'pos', proof: { formVersion: 'v2' } } }, '2026-01-05T10:01:00.000Z');
    await shop.do('anne', { type: 'GrantConsent', data: { channel: 'sms', purpose: 'marketing', source: 'pos', proof: {} } }, '2026-01-05T10:02:00.000Z');
    await shop.do('anne', { type: 'GrantConsent', data: { channel: 'postal', purpose: 'loyalty', source: 'pos', proof: {} } }, '2026-01-05T10:02:00.000Z');
    await shop.do('anne', { type: 'WithdrawConsent', data: { channel: 'email', purpose: 'marketing', source: 'web', proof: {}, reason: 'unsubscribe' } }, '2026-02-01T08:00:00.000Z');
    // 450 € of wine: 450 points (1 per euro), two automatic 10 € vouchers at 200 points each, and the
    // "amateur" tier (300 € over 12 months).
    await shop.purchase('anne', 'T-1', '2026-02-10T17:00:00.000Z', [line(1, 30000), line(2, 15000)]);
    const sealed = await env.keys.seal(shop.merchantId, 'anne', { firstName: 'Anne', lastName: 'Leroy-Durand', email: 'anne@example.fr' });
    await shop.do('anne', { type: 'UpdateProfile', data: { profile: sealed, changedFields: ['lastName'], storeId: 'croix-rousse' } }, '2026-03-01T09:00:00.000Z');
    await shop.append(streams.segments(shop.merchantId), [
      { type: 'SegmentChanged', data: { customerId: 'anne', from: null, to: 'new', scores: { recency: 5, frequency: 1, monetary: 5 }, values: { recencyDays: 1, frequency: 1, monetaryCents: 45000 }, asOf: '2026-02-11', runId: 'r1', changedAt: '2026-02-11T03:00:00.000Z' } },
    ], '2026-02-11T03:00:00.000Z');

    await shop.enrol('bistrot', '2026-01-06T10:00:00.000Z', { companyName: 'Le Bistrot', email: 'contact@bistrot.fr' }, { customerType: 'b2b', businessCategory: 'restaurant' });
    await shop.do('bistrot', { type: 'GrantConsent', data: { channel: 'email', purpose: 'marketing', source: 'pos', proof: {} } }, '2026-01-06T10:00:00.000Z');
    await shop.erase('bistrot', '2026-04-01T10:00:00.000Z');
    await env.project([customersProjection]);
  });
  afterAll(async () => env.close());

  it('holds the opened profile, consents per channel, tier, points and segment of an active customer', async () => {
    const [anne] = (await rowsOf(env.pool, 'customers', shop.merchantId)).filter((r) => r.customer_id === 'anne');
    expect(anne).toMatchObject({
      status: 'active',
      customer_type: 'b2c',
      business_category: null,
      store_id: 'croix-rousse',
      profile_readable: true,
      first_name: 'Anne',
      last_name: 'Leroy-Durand',
      email: 'anne@example.fr',
      email_key: 'e'.repeat(64),
      consent_email: false,
      consent_sms: true,
      consent_rcs: false,
      // Only the marketing purpose is a flag here: the postal consent was for loyalty mail.
      consent_postal: false,
      tier: 'amateur',
      points_balance: 50,
      segment: 'new',
      segment_as_of: '2026-02-11',
      enrolled_at: '2026-01-05T10:00:00+00:00',
    });
    // The profile update replaced the whole profile: the address and birth date were not in it.
    expect(anne).toMatchObject({ postal_address: null, birth_date: null });
  });

  it('scrubs an erased customer: no profile (its key is gone), no identity keys, no consent', async () => {
    const [bistrot] = (await rowsOf(env.pool, 'customers', shop.merchantId)).filter((r) => r.customer_id === 'bistrot');
    expect(bistrot).toMatchObject({
      status: 'erased',
      customer_type: 'b2b',
      business_category: 'restaurant',
      profile_readable: false,
      company_name: null,
      email: null,
      email_key: null,
      consent_email: false,
      erased_at: '2026-04-01T10:00:00+00:00',
    });
  });

  it('keeps the birth date and address of a profile that has them', async () => {
    await shop.enrol('paul', '2026-05-01T10:00:00.000Z', { firstName: 'Paul', postalAddress: { line1: '3 rue Mercière', city: 'Lyon' }, birthDate: '1975-06-30' });
    await env.project([customersProjection]);
    const [paul] = (await rowsOf(env.pool, 'customers', shop.merchantId)).filter((r) => r.customer_id === 'paul');
    expect(paul).toMatchObject({ first_name: 'Paul', last_name: null, postal_address: { line1: '3 rue Mercière', city: 'Lyon' }, birth_date: '1975-06-30', points_balance: 0, tier: 'decouverte' });
  });
});
