import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import { customerDecider } from './customer.decide.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { at, CUSTOMER, enrol, enrolledAt, history, line, purchase } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const ENROLLED = '2026-01-10T10:00:00.000Z';
const NOW = '2026-02-01T09:00:00.000Z';
const proof = { formVersion: 'comptoir-2026', staffId: 'emma' };

describe('an unknown customer', () => {
  it('is enrolled with its consents and the first tier', () => {
    const command: CustomerCommandOf<'EnrolCustomer'> = {
      ...enrol,
      data: { ...enrol.data, consents: [{ channel: 'email', purpose: 'marketing', proof }] },
    };
    const { consents: _consents, ...enrolled } = command.data;
    spec.given([]).when(command, at(ENROLLED)).then([
      { type: 'CustomerEnrolled', data: { ...enrolled, enrolledAt: ENROLLED } },
      {
        type: 'ConsentGranted',
        data: { customerId: CUSTOMER, channel: 'email', purpose: 'marketing', source: 'pos', proof, grantedAt: ENROLLED },
      },
      {
        type: 'TierChanged',
        data: {
          customerId: CUSTOMER,
          from: null,
          to: 'decouverte',
          direction: 'up',
          currency: 'EUR',
          rollingSpendCents: 0,
          windowStart: '2025-01-09T23:00:00.000Z',
          guaranteedUntil: null,
          programVersion: 'v1',
          changedAt: ENROLLED,
        },
      },
    ]);
  });

  it('is enrolled at the date it joined when history brings it in, its card opt-ins dated then, its tier reviewed now', () => {
    const joined = '2021-06-03T08:00:00.000Z';
    const command: CustomerCommandOf<'EnrolCustomer'> = {
      ...enrol,
      data: { ...enrol.data, source: 'import', enrolledAt: joined, consents: [{ channel: 'sms', purpose: 'marketing', proof }] },
    };
    spec
      .given([])
      .when(command, at(NOW))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['CustomerEnrolled', 'ConsentGranted', 'TierChanged']);
        expect(events[0]).toMatchObject({ data: { enrolledAt: joined, source: 'import' } });
        expect(events[0]!.data).not.toHaveProperty('consents');
        expect(events[1]).toMatchObject({ data: { grantedAt: joined } });
        expect(events[2]).toMatchObject({ data: { changedAt: NOW } });
      });
  });

  it('needs a business category when it is a business, and only then', () => {
    spec.given([]).when({ ...enrol, data: { ...enrol.data, customerType: 'b2b' } }, at(ENROLLED)).thenThrows('invalid-command', {
      path: 'businessCategory',
    });
    spec
      .given([])
      .when({ ...enrol, data: { ...enrol.data, businessCategory: 'restaurant' } }, at(ENROLLED))
      .thenThrows('invalid-command', { path: 'businessCategory' });
    spec
      .given([])
      .when({ ...enrol, data: { ...enrol.data, customerType: 'b2b', businessCategory: 'restaurant' } }, at(ENROLLED))
      .thenEvents((events) => expect(events[0]).toMatchObject({ type: 'CustomerEnrolled', data: { customerType: 'b2b', businessCategory: 'restaurant' } }));
  });

  it('refuses every other command as not found', () => {
    spec.given([]).when({ type: 'ReviewCustomer', data: {} }, at(NOW)).thenThrows('customer-not-found');
    spec.given([]).when(purchase('p1', NOW, [line(1, 1000)]), at(NOW)).thenThrows('customer-not-found');
  });
});

describe('an enrolled customer', () => {
  const given = () => spec.given(enrolledAt(ENROLLED));

  it('cannot be enrolled again', () => {
    given().when(enrol, at(NOW)).thenThrows('customer-already-enrolled', { customerId: CUSTOMER });
  });

  it('has nothing recorded when a profile update changes nothing', () => {
    given().when({ type: 'UpdateProfile', data: { locale: 'fr-FR', storeId: 'store-1', changedFields: [] } }, at(NOW)).thenNothingHappened();
  });

  it('has the whole profile recorded with the names of the fields that changed', () => {
    given()
      .when({ type: 'UpdateProfile', data: { profile: 'pii:v1:bmV3:cHJvZmlsZQ', changedFields: ['phone', 'phone'] } }, at(NOW))
      .then([
        {
          type: 'CustomerProfileUpdated',
          data: {
            customerId: CUSTOMER,
            customerType: 'b2c',
            businessCategory: null,
            storeId: 'store-1',
            locale: 'fr-FR',
            profile: 'pii:v1:bmV3:cHJvZmlsZQ',
            identityKeys: enrol.data.identityKeys,
            changedFields: ['phone'],
            updatedAt: NOW,
          },
        },
      ]);
  });

  it('has every consent grant recorded, even a repeated one, and a withdrawal wins', () => {
    const grant: CustomerCommandOf<'GrantConsent'> = { type: 'GrantConsent', data: { channel: 'sms', purpose: 'marketing', source: 'web', proof } };
    const events = history([enrol, at(ENROLLED)], [grant, at('2026-01-11T10:00:00.000Z')]);
    spec.given(events).when(grant, at(NOW)).thenEvents((decided) => expect(decided.map((e) => e.type)).toEqual(['ConsentGranted']));
    spec
      .given(events)
      .when({ type: 'WithdrawConsent', data: { channel: 'sms', purpose: 'marketing', source: 'provider', proof: { providerReference: 'SM123' }, reason: 'STOP' } }, at(NOW))
      .thenState((state) => {
        expect(state.status === 'active' && state.consents).toEqual([
          { channel: 'sms', purpose: 'marketing', granted: false, source: 'provider', changedAt: NOW },
        ]);
      });
  });
});

describe('an erased customer', () => {
  it('refuses commands as erased', () => {
    spec
      .given([...enrolledAt(ENROLLED), { type: 'CustomerErased', data: { customerId: CUSTOMER, reason: 'request', erasedAt: NOW } }])
      .when({ type: 'ReviewCustomer', data: {} }, at(NOW))
      .thenThrows('customer-erased', { customerId: CUSTOMER });
  });
});
