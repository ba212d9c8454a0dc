import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SealedProfiles } from '@relance/platform';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { projectorEnv, type ProjectorEnv } from './support/projector-env.js';
import { Shop } from './support/shop.js';

// Delivery and the rules engine read personal data from the customers read model, where it is sealed:
// the profile opens in memory with the customer's key, and not at all once that key is destroyed.
describe('profiles sealed in the customers read model', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  let profiles: SealedProfiles;
  const hugo = { firstName: 'Hugo', lastName: 'Vasseur', email: 'hugo@example.fr', phone: '+33611223344', postalAddress: { line1: '2 quai Saint-Vincent', postalCode: '69001', city: 'Lyon', country: 'FR' }, birthDate: '1991-04-12' };

  beforeAll(async () => {
    env = await projectorEnv('profiles');
    shop = await Shop.open(env);
    profiles = new SealedProfiles(env.pool, env.keys);
    await shop.enrol('hugo', '2026-03-01T10:00:00.000Z', hugo);
    await shop.enrol('ines', '2026-03-01T11:00:00.000Z', { firstName: 'Inès' });
    await shop.enrol('jade', '2026-03-01T12:00:00.000Z', { firstName: 'Jade', email: 'jade@example.fr' });
    await shop.erase('jade', '2026-03-02T10:00:00.000Z');
    await shop.enrol('kim', '2026-03-01T13:00:00.000Z', { firstName: 'Kim' });
    await env.project([customersProjection]);
  });
  afterAll(async () => env.close());

  it('opens every profile asked for in one go, its missing fields null', async () => {
    const opened = await profiles.open(shop.merchantId, ['hugo', 'ines']);
    expect(opened.get('hugo')).toEqual({ ...hugo, companyName: null });
    expect(opened.get('ines')).toEqual({ firstName: 'Inès', lastName: null, companyName: null, email: null, phone: null, postalAddress: null, birthDate: null });
  });

  it('gives null for an erased customer, a destroyed key, an unknown customer and another merchant', async () => {
    await env.keys.destroy(shop.merchantId, 'kim');
    const opened = await profiles.open(shop.merchantId, ['jade', 'kim', 'nobody']);
    expect([...opened]).toEqual([
      ['jade', null],
      ['kim', null],
      ['nobody', null],
    ]);
    expect((await profiles.open('another-merchant', ['hugo'])).get('hugo')).toBeNull();
  });
});
