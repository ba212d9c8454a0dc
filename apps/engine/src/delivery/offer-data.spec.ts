import { describe, expect, it } from '@jest/globals';
import { EMPTY_LOTS, type ActiveCustomer, type EventData, type Program } from '@relance/domain';
import { offerData, type OfferSources } from './offer-data.js';

const program = { tiers: { levels: [{ id: 'amateur', name: 'Amateur', earnMultiplier: 1 }, { id: 'connaisseur', name: 'Connaisseur', earnMultiplier: 1.5 }] } } as unknown as Program;
const queued = { messageId: 'm', voucher: null, queuedAt: '2026-12-05T09:00:00.000Z' } as unknown as EventData<'MessageQueued'>;
const customer = { status: 'active', lots: EMPTY_LOTS, debtPoints: 0 } as unknown as ActiveCustomer;
const meta = (eventId: string) => ({ eventId }) as OfferSources['events'][number]['metadata'];

function sources(extra: Partial<OfferSources>): OfferSources {
  return { queued, causationId: 'none', customer, events: [], campaign: null, program, timeZone: 'Europe/Paris', ...extra };
}

describe('the offer a message shows, from what its decision recorded', () => {
  it('takes the basket and the points of the purchase that triggered it', () => {
    const events = [
      { type: 'PurchaseRecorded', data: { purchaseId: 'p1', totalCents: 18450, purchasedAt: '2026-12-05T08:42:00Z' }, metadata: meta('ev-p1') },
      { type: 'PointsEarned', data: { sourceId: 'p1', points: 184 }, metadata: meta('ev-pe1') },
      { type: 'PointsEarned', data: { sourceId: 'other', points: 50 }, metadata: meta('ev-pe2') },
    ];
    expect(offerData(sources({ causationId: 'ev-p1', events }))).toEqual({ basketMinor: 18450, purchasedAt: '2026-12-05T08:42:00Z', pointsEarned: 184 });
  });

  it('takes the voucher the decision issued, its last valid day in the merchant’s zone', () => {
    const withVoucher = { ...queued, voucher: { voucherId: 'v1', code: 'ANNIV-7KQ2' } } as EventData<'MessageQueued'>;
    const events = [
      { type: 'VoucherIssued', data: { voucherId: 'v1', code: 'ANNIV-7KQ2', valueCents: 1000, percent: null, minimumPurchaseCents: 3000, expiresAt: '2027-01-04T23:00:00.000Z' }, metadata: meta('ev-v') },
    ];
    expect(offerData(sources({ queued: withVoucher, events }))).toEqual({ voucher: { code: 'ANNIV-7KQ2', valueMinor: 1000, minimumPurchaseMinor: 3000, expiresOn: '2027-01-04' } });
  });

  it('names the tier left and the new tier’s multiplier on a tier change', () => {
    const events = [{ type: 'TierChanged', data: { from: 'amateur', to: 'connaisseur' }, metadata: meta('ev-t') }];
    expect(offerData(sources({ causationId: 'ev-t', events }))).toEqual({ previousTierName: 'Amateur', pointsPerEuro: 1.5 });
  });

  it('leaves out what nothing recorded, so that strict rendering refuses rather than send a blank', () => {
    expect(offerData(sources({}))).toEqual({});
  });
});
