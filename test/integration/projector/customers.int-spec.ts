import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { localDateOf, streams } from '@relance/domain';
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
      { type: 'SegmentChanged', data: { customerId: 'anne', from: null, to: 'new', scores: { recency: 5, frequency: 1, monetary: 5 }, currency: 'EUR', values: { recencyDays: 1, frequency: 1, monetaryCents: 45000 }, asOf: '2026-02-11', runId: 'r1', changedAt: '2026-02-11T03:00:00.000Z' } },
    ], '2026-02-11T03:00:00.000Z');

    await shop.enrol('bistrot', '2026-01-06T10:00:00.000Z', { companyName: 'Le Bistrot', email: 'contact@bistrot.fr' }, { customerType: 'b2b', businessCategory: 'restaurant' });
    await shop.do('bistrot', { type: 'GrantConsent', data: { channel: 'email', purpose: 'marketing', source: 'pos', proof: {} } }, '2026-01-06T10:00:00.000Z');
    await shop.erase('bistrot', '2026-04-01T10:00:00.000Z');
    await env.project([customersProjection]);
  });
  afterAll(async () => env.close());

  it('holds the sealed profile, consents per channel, tier, points and segment of an active customer', async () => {
    const [anne] = (await rowsOf(env.pool, 'customers', shop.merchantId)).filter((r) => r.customer_id === 'anne');
    expect(anne).toMatchObject({
      status: 'active',
      customer_type: 'b2c',
      business_category: null,
      store_id: 'croix-rousse',
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
    // The profile is the last event's sealed blob as is (not sealed again), and only the customer's key opens it.
    expect(anne!.profile).toBe(lastProfileBlob('anne'));
    expect(await env.keys.open(shop.merchantId, 'anne', anne!.profile as string)).toEqual({ firstName: 'Anne', lastName: 'Leroy-Durand', email: 'anne@example.fr' });
    // None of it in clear anywhere in the row.
    expect(JSON.stringify(anne)).not.toMatch(/Anne|Leroy|anne@/);
    // The profile update replaced the whole profile: the birth date was not in it.
    expect(anne).toMatchObject({ birthday: null, adult_since: null });
  });

  it('scrubs an erased customer: no profile (its key is gone), no identity keys, no consent', async () => {
    const [bistrot] = (await rowsOf(env.pool, 'customers', shop.merchantId)).filter((r) => r.customer_id === 'bistrot');
    expect(bistrot).toMatchObject({
      status: 'erased',
      customer_type: 'b2b',
      business_category: 'restaurant',
      profile: null,
      birthday: null,
      adult_since: null,
      email_key: null,
      consent_email: false,
      erased_at: '2026-04-01T10:00:00+00:00',
    });
  });

  it('keeps the birthday without its year and, for an adult, the day they were known to be of age', async () => {
    await shop.enrol('paul', '2026-05-01T10:00:00.000Z', { firstName: 'Paul', postalAddress: { line1: '3 rue Mercière', city: 'Lyon' }, birthDate: '1975-06-30' });
    await env.project([customersProjection]);
    const [paul] = (await rowsOf(env.pool, 'customers', shop.merchantId)).filter((r) => r.customer_id === 'paul');
    expect(paul).toMatchObject({ birthday: '06-30', points_balance: 0, tier: 'decouverte' });
    // Of age long before it was recorded: the day of recording (the later of business and recording
    // time), not 1993-06-30, which next to the birthday would give the birth date away.
    expect(paul!.adult_since).toBe(recordedDay('paul'));
    expect(paul!.adult_since! >= '2026-05-01').toBe(true);
    expect(JSON.stringify(paul)).not.toMatch(/Paul|Mercière|1975/);
    expect(await env.keys.open(shop.merchantId, 'paul', paul!.profile as string)).toMatchObject({ birthDate: '1975-06-30', postalAddress: { city: 'Lyon' } });
  });

  it('gives no "adult since" to a customer who was a minor when recorded, and follows a profile update', async () => {
    // Eight years old or so today: a minor whatever the business date says.
    const birthDate = `${new Date().getUTCFullYear() - 8}-06-15`;
    await shop.enrol('lea', '2026-05-02T10:00:00.000Z', { firstName: 'Léa', birthDate });
    await env.project([customersProjection]);
    let [lea] = (await rowsOf(env.pool, 'customers', shop.merchantId)).filter((r) => r.customer_id === 'lea');
    expect(lea).toMatchObject({ birthday: '06-15', adult_since: null });

    // Corrected to a birth date of 1990: of age on the day of the correction.
    const sealed = await env.keys.seal(shop.merchantId, 'lea', { firstName: 'Léa', birthDate: '1990-11-02' });
    await shop.do('lea', { type: 'UpdateProfile', data: { profile: sealed, changedFields: ['birthDate'] } }, '2026-05-03T09:00:00.000Z');
    await env.project([customersProjection]);
    [lea] = (await rowsOf(env.pool, 'customers', shop.merchantId)).filter((r) => r.customer_id === 'lea');
    expect(lea).toMatchObject({ birthday: '11-02', adult_since: recordedDay('lea'), profile: sealed });
  });

  it('keeps the sealed profile of a customer whose key is destroyed, but no birthday or age: unknown age is never of age', async () => {
    await shop.enrol('max', '2026-05-04T10:00:00.000Z', { firstName: 'Max', birthDate: '1970-01-01' });
    await env.keys.destroy(shop.merchantId, 'max');
    await env.project([customersProjection]);
    const [max] = (await rowsOf(env.pool, 'customers', shop.merchantId)).filter((r) => r.customer_id === 'max');
    expect(max).toMatchObject({ status: 'active', profile: lastProfileBlob('max'), birthday: null, adult_since: null });
    expect(await env.keys.open(shop.merchantId, 'max', max!.profile as string)).toBeNull();
  });

  function lastProfileEvent(customerId: string) {
    return shop.appended.filter((e) => (e.type === 'CustomerEnrolled' || e.type === 'CustomerProfileUpdated') && (e.data as { customerId: string }).customerId === customerId).at(-1)!;
  }

  /** The sealed profile of the customer's last enrolment or profile update, as appended. */
  function lastProfileBlob(customerId: string): string {
    return (lastProfileEvent(customerId).data as { profile: string }).profile;
  }

  /** The local day (Paris, the shop's zone) the last profile was known: the later of business and recording time. */
  function recordedDay(customerId: string): string {
    const { occurredAt, recordedAt } = lastProfileEvent(customerId).metadata;
    return localDateOf(Date.parse(recordedAt) > Date.parse(occurredAt) ? recordedAt : occurredAt, 'Europe/Paris');
  }
});
