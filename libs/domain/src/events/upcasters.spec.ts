import { describe, expect, it } from '@jest/globals';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventData } from './catalog.js';
import { currentTypeOf, isSuperseded, storedTypesOf, SUPERSEDED_EVENT_TYPES, upcast } from './upcasters.js';

/** CustomersMerged as version 1 stored it: every purchase of the duplicate, refunds counted on them. */
const v1: EventData<'CustomersMerged'> = {
  survivorId: 'surv',
  mergedId: 'dup',
  role: 'survivor',
  transferred: {
    lots: [{ lotId: 'purchase:D-2', remaining: 20, earnedAt: '2025-06-01T10:00:00.000Z', expiresAt: '2027-06-01T22:00:00.000Z' }],
    debtPoints: 0,
    purchases: [
      {
        purchaseId: 'D-1',
        purchasedAt: '2025-03-10T10:00:00.000Z',
        totalCents: 10000,
        refundedCents: 3000,
        lines: [{ lineNo: 1, quantity: 2, totalCents: 6000, basisCents: 12000, refundedQuantity: 1, refundedCents: 3000 }],
        pointsEarned: 160,
        pointsTakenBack: 60,
        lotId: 'purchase:D-1',
      },
    ],
    rewards: [{ rewardId: 'D-2-auto-1', rewardCode: 'bon-10', status: 'issued', issuedAt: '2025-06-01T10:00:00.000Z', expiresAt: '2025-08-30T22:00:00.000Z' }],
  },
  mergedAt: '2025-07-01T09:00:00.000Z',
};

describe('the upcasters', () => {
  it('read a stored CustomersMerged as CustomersMergedV2: the same lots, debt and rewards, its purchases as refundable, their spend net of refunds at the purchase date', () => {
    const read = upcast({ type: 'CustomersMerged', data: v1 });
    expect(read).toEqual({
      type: 'CustomersMergedV2',
      data: {
        survivorId: 'surv',
        mergedId: 'dup',
        role: 'survivor',
        // Written while EUR was the only currency a merchant could have.
        currency: 'EUR',
        mergedAt: '2025-07-01T09:00:00.000Z',
        transferred: {
          lots: v1.transferred.lots,
          debtPoints: 0,
          refundablePurchases: v1.transferred.purchases,
          spend: [
            { at: '2025-03-10T10:00:00.000Z', cents: 10000 },
            { at: '2025-03-10T10:00:00.000Z', cents: -3000 },
          ],
          rewards: v1.transferred.rewards,
        },
      },
    });
    expect(EVENT_SCHEMAS.CustomersMergedV2.parse(read.data)).toEqual(read.data);
  });

  it('keep what a stored event carries besides its type and data', () => {
    const stored = { type: 'CustomersMerged', data: v1, streamId: 'customer-m.surv', streamPosition: 4n, metadata: { eventId: 'e-1' } };
    const read = upcast(stored);
    expect(read).toMatchObject({ type: 'CustomersMergedV2', streamId: 'customer-m.surv', streamPosition: 4n, metadata: { eventId: 'e-1' } });
    expect(stored.type).toBe('CustomersMerged');
  });

  it('hand back an event of a current type as it is, the same object', () => {
    const event = { type: 'PointsExpired', data: { customerId: 'c', lotId: 'l', points: 3, expiredAt: '2026-01-01T00:00:00.000Z' } };
    expect(upcast(event)).toBe(event);
  });

  it('lead every superseded type to a current type of the catalog, with a schema of its own', () => {
    expect(SUPERSEDED_EVENT_TYPES).toEqual(['CustomersMerged']);
    for (const type of SUPERSEDED_EVENT_TYPES) {
      const current = currentTypeOf(type);
      expect(EVENT_TYPES).toContain(current);
      expect(isSuperseded(current)).toBe(false);
      expect(EVENT_SCHEMAS[current]).not.toBe(EVENT_SCHEMAS[type]);
    }
  });

  it('tell a reader of current types which stored types it must receive', () => {
    expect(storedTypesOf(['PurchaseRecorded', 'CustomersMergedV2'])).toEqual(['PurchaseRecorded', 'CustomersMergedV2', 'CustomersMerged']);
    expect(storedTypesOf(['PurchaseRecorded'])).toEqual(['PurchaseRecorded']);
  });
});
