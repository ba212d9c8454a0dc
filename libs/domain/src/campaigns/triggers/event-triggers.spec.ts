import { describe, expect, it } from '@jest/globals';
import type { EventData } from '../../events/catalog.js';
import { campaign, compile, PARIS, purchaseData } from '../campaign.fixtures.js';
import type { CompiledCampaign } from '../config/parse-campaigns.js';
import { matchEventTrigger, type EventTriggerContext, type TriggerEvent } from './event-triggers.js';

const EVENT_ID = '0195d2a0-0000-7000-8000-0000000000aa';
const AT = '2026-03-20T17:45:00.000Z';
const ctx: EventTriggerContext = { timeZone: PARIS };

/** given a campaign, when an event is stored, then it fires (with this occurrence) or not. */
function when(c: CompiledCampaign, type: string, data: unknown, context: EventTriggerContext = ctx) {
  const event: TriggerEvent = { type, data, eventId: EVENT_ID, occurredAt: AT };
  return matchEventTrigger(c, event, context);
}

const tierChanged = (direction: 'up' | 'down', from: string | null, to: string): EventData<'TierChanged'> => ({
  customerId: 'alice',
  from,
  to,
  direction,
  currency: 'EUR',
  rollingSpendCents: 31000,
  windowStart: '2025-03-20T00:00:00.000Z',
  guaranteedUntil: null,
  programVersion: 'v1',
  changedAt: AT,
});

describe('given a campaign on purchases of 150 € or more', () => {
  const basket = campaign({ trigger: { type: 'purchase', filter: 'event.totalCents >= 15000' }, actions: { bonusPoints: 100 } });

  it('fires for a 180 € purchase, keyed by the purchase event, with the basket as `event`', () => {
    expect(when(basket, 'PurchaseRecorded', purchaseData('p1', 18000, AT))).toEqual({
      kind: 'event',
      type: 'purchase',
      customerId: 'alice',
      eventId: EVENT_ID,
      eventType: 'PurchaseRecorded',
      schedule: null,
      period: EVENT_ID,
      description: 'purchase p1 of 180.00',
      at: AT,
      facts: {
        purchaseId: 'p1',
        storeId: 'halles',
        channel: 'pos',
        totalCents: 18000,
        itemCount: 1,
        categories: ['rouge'],
        skus: ['SKU-1'],
        lines: [{ sku: 'SKU-1', category: 'rouge', quantity: 1, totalCents: 18000, promo: false }],
        rewardsUsed: 0,
        purchasedOn: '2026-03-20',
      },
    });
  });

  it('does not fire for 149.99 €, for an anonymous sale, or for another event', () => {
    expect(when(basket, 'PurchaseRecorded', purchaseData('p1', 14999, AT))).toBeNull();
    expect(when(basket, 'PurchaseRecorded', purchaseData('p1', 18000, AT, null))).toBeNull();
    expect(when(basket, 'VisitRecorded', { visitId: 'v', customerId: 'alice', storeId: null, kind: 'store', eventName: null, visitedAt: AT })).toBeNull();
  });
});

describe('given a campaign on tier upgrades', () => {
  const upgrade = campaign({ trigger: { type: 'tier-changed', direction: 'up' }, actions: { bonusPoints: 1 } });
  const toConnaisseur = campaign({ trigger: { type: 'tier-changed', to: ['connaisseur'] }, actions: { bonusPoints: 1 } });

  it('fires when the customer moves up, not down', () => {
    expect(when(upgrade, 'TierChanged', tierChanged('up', 'decouverte', 'amateur'))).toMatchObject({
      customerId: 'alice',
      facts: { from: 'decouverte', to: 'amateur', direction: 'up', rollingSpendCents: 31000 },
      description: 'tier up from decouverte to amateur',
    });
    expect(when(upgrade, 'TierChanged', tierChanged('down', 'amateur', 'decouverte'))).toBeNull();
  });

  it('fires "to" a tier only for that tier', () => {
    expect(when(toConnaisseur, 'TierChanged', tierChanged('up', 'decouverte', 'amateur'))).toBeNull();
    expect(when(toConnaisseur, 'TierChanged', tierChanged('up', 'amateur', 'connaisseur'))).not.toBeNull();
  });
});

describe('given a campaign on entering the at-risk segment', () => {
  const atRisk = campaign({ trigger: { type: 'segment-entered', segments: ['at-risk'] }, actions: { bonusPoints: 1 } });
  const change = (from: string | null, to: string | null) => ({
    customerId: 'alice', from, to, scores: null, values: null, asOf: '2026-03-20', runId: 'rfm-1', changedAt: AT,
  });

  it('fires when the customer enters it, from another segment or from none', () => {
    expect(when(atRisk, 'SegmentChanged', change('loyal', 'at-risk'))).toMatchObject({ facts: { from: 'loyal', to: 'at-risk' }, description: 'entered segment at-risk (from loyal)' });
    expect(when(atRisk, 'SegmentChanged', change(null, 'at-risk'))).not.toBeNull();
  });

  it('does not fire for another segment, for leaving it, nor for the RFM baseline', () => {
    expect(when(atRisk, 'SegmentChanged', change('at-risk', 'lost'))).toBeNull();
    expect(when(atRisk, 'SegmentChanged', change('at-risk', null))).toBeNull();
    const baseline = { runId: 'rfm-0', asOf: '2026-03-19', scored: 1, counts: {}, recordedAt: AT };
    expect(when(atRisk, 'RfmBaselineRecorded', baseline)).toBeNull();
  });
});

describe('given a welcome campaign on email or SMS consent', () => {
  const welcome = campaign({ trigger: { type: 'consent-granted', channels: ['email', 'sms'] }, oncePer: 'lifetime', actions: { bonusPoints: 50 } });
  const granted = (channel: string, purpose = 'marketing') => ({ customerId: 'alice', channel, purpose, source: 'pos', proof: {}, grantedAt: AT });

  it('fires for a marketing consent on either channel', () => {
    expect(when(welcome, 'ConsentGranted', granted('sms'))).toMatchObject({ facts: { channel: 'sms', purpose: 'marketing', source: 'pos' } });
    expect(when(welcome, 'ConsentGranted', granted('email'))).not.toBeNull();
  });

  it('does not fire for another channel or purpose', () => {
    expect(when(welcome, 'ConsentGranted', granted('postal'))).toBeNull();
    expect(when(welcome, 'ConsentGranted', granted('email', 'loyalty'))).toBeNull();
  });
});

describe("given a campaign on the balance reaching a reward's cost (200 points)", () => {
  const reachable = campaign({ trigger: { type: 'reward-reachable', reward: 'bon-10' }, actions: { bonusPoints: 1 } });
  const earned = { customerId: 'alice', lotId: 'purchase:p1', points: 60, debtRepaid: 0, reason: 'purchase', sourceId: 'p1', programVersion: 'v1', basis: {}, earnedAt: AT, expiresAt: null };
  const withBalance = (before: number, after: number): EventTriggerContext => ({ timeZone: PARIS, balance: { before, after }, rewardCosts: { 'bon-10': 200 } });

  it('fires when the points cross the cost', () => {
    expect(when(reachable, 'PointsEarned', earned, withBalance(150, 210))).toMatchObject({
      facts: { rewardId: 'bon-10', costPoints: 200, balanceBefore: 150, balanceAfter: 210 },
    });
    expect(when(reachable, 'PointsEarned', earned, withBalance(140, 200))).not.toBeNull();
  });

  it('does not fire below the cost, nor when the balance was already above it', () => {
    expect(when(reachable, 'PointsEarned', earned, withBalance(100, 199))).toBeNull();
    expect(when(reachable, 'PointsEarned', earned, withBalance(200, 260))).toBeNull();
  });

  it('needs the balance around the event', () => {
    expect(() => when(reachable, 'PointsEarned', earned)).toThrow(/needs the balance/);
  });
});

describe('given a campaign on a challenge completed', () => {
  const [, bravo] = compile([
    { id: 'defi', name: 'Défi', trigger: { type: 'challenge', period: 'month', purchases: 3 }, actions: { bonusPoints: 200 } },
    { id: 'bravo', name: 'Bravo', trigger: { type: 'challenge-completed', challenge: 'defi' }, actions: { bonusPoints: 1 } },
  ]) as [CompiledCampaign, CompiledCampaign];
  const completed = (challengeId: string) => ({ customerId: 'alice', challengeId, period: '2026-12', purchases: 3, spendCents: 9000, bonusPoints: 200, completedAt: AT });

  it('fires for that challenge only', () => {
    expect(when(bravo, 'ChallengeCompleted', completed('defi'))).toMatchObject({ facts: { challengeId: 'defi', period: '2026-12', purchases: 3, spendCents: 9000 } });
    expect(when(bravo, 'ChallengeCompleted', completed('autre'))).toBeNull();
  });
});

describe('given a paused campaign', () => {
  it('fires nothing', () => {
    const paused = campaign({ status: 'paused', trigger: { type: 'purchase' }, actions: { bonusPoints: 1 } });
    expect(when(paused, 'PurchaseRecorded', purchaseData('p1', 18000, AT))).toBeNull();
  });
});
