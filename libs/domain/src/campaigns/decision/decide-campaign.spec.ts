import { describe, expect, it } from '@jest/globals';
import { EventMetadata } from '../../events/metadata.js';
import { parseEvent } from '../../events/catalog.js';
import {
  campaign,
  contact,
  customer,
  eventOccurrence,
  eventOfType,
  eventsOf,
  given,
  merchant,
  MERCHANT_ID,
  PARIS,
  purchaseData,
} from '../campaign.fixtures.js';
import { manualOccurrence } from '../triggers/manual.js';
import { purchaseFacts } from '../triggers/event-triggers.js';
import { timeOccurrence } from '../triggers/time-triggers.js';
import type { ContactRecord } from '../controls/frequency-caps.js';

const AT = '2026-03-20T10:00:00.000Z'; // a Friday, 11:00 in Paris
const basketFacts = purchaseFacts(purchaseData('p1', 18000, AT), PARIS);
const purchase = eventOccurrence({ facts: basketFacts, at: AT });

const basket = campaign({
  id: 'gros-panier',
  trigger: { type: 'purchase', filter: 'event.totalCents >= 15000' },
  audience: ['customer.type == "b2c"', 'customer.segment in ["loyal", "champions"]'],
  actions: { message: { channels: ['email'], template: 'gros-panier' }, bonusPoints: 100 },
});

describe('given a loyal customer who consented to email, when a 180 € purchase fires the basket campaign', () => {
  const { decision } = given().when(basket, purchase);

  it('then the campaign is triggered with every condition and control, the channel and why', () => {
    const [triggered] = eventsOf(decision);
    expect(decision.outcome).toBe('triggered');
    expect(triggered).toEqual({
      eventId: decision.ids.decisionEventId,
      type: 'CampaignTriggered',
      data: {
        campaignId: 'gros-panier',
        ruleVersion: basket.ruleVersion,
        customerId: 'alice',
        trigger: { kind: 'event', type: 'purchase', eventId: purchase.eventId, eventType: 'PurchaseRecorded', schedule: null, period: purchase.period, description: 'purchase' },
        conditions: [
          { expression: 'customer.type == "b2c"', value: { 'customer.type': 'b2c' }, passed: true, error: null },
          { expression: 'customer.segment in ["loyal", "champions"]', value: { 'customer.segment': 'loyal' }, passed: true, error: null },
        ],
        controls: [
          { control: 'age', value: { ofAge: true }, passed: true, detail: null },
          { control: 'once-per-period', value: { oncePer: 'period', period: purchase.period, previous: null }, passed: true, detail: null },
          { control: 'channel', value: 'email', passed: true, detail: null },
          { control: 'frequency-cap', value: { count: 0, max: 2, days: 7 }, passed: true, detail: '0 marketing messages in the last 7 days; at most 2' },
        ],
        controlGroup: false,
        variant: null,
        channel: 'email',
        channelReasons: [{ channel: 'email', usable: true, reason: 'usable', detail: null }],
        messageId: decision.ids.messageId,
        actions: { bonusPoints: 100, voucherId: null },
        triggeredAt: AT,
      },
    });
  });

  it('then the message is queued on its own stream, for delivery to re-check the marketing consent', () => {
    expect(decision.appends.map((a) => a.streamId)).toEqual([`campaign-${MERCHANT_ID}.gros-panier`, `message-${MERCHANT_ID}.${decision.ids.messageId}`]);
    expect(eventOfType(decision, 'MessageQueued')).toEqual({
      eventId: decision.ids.messageQueuedEventId,
      type: 'MessageQueued',
      data: {
        messageId: decision.ids.messageId,
        campaignId: 'gros-panier',
        ruleVersion: basket.ruleVersion,
        customerId: 'alice',
        channel: 'email',
        fallbackChannels: [],
        purpose: 'marketing',
        templateId: 'gros-panier',
        templateVersion: 'e1',
        locale: 'fr-FR',
        scheduledFor: null,
        currency: 'EUR',
        estimatedCostCents: 0,
        voucher: null,
        queuedAt: AT,
      },
    });
  });

  it('then the bonus is planned for the loyalty program, seeded by the decision', () => {
    expect(decision.bonus).toEqual({ bonusId: decision.ids.bonusId, points: 100, reason: 'bonus', sourceId: 'gros-panier', seed: decision.ids.decisionEventId });
  });

  it('then every event is valid for the catalog, with UUIDv7 ids', () => {
    for (const event of eventsOf(decision)) {
      expect(() => parseEvent(event.type, event.data)).not.toThrow();
      expect(EventMetadata.shape.eventId.safeParse(event.eventId).success).toBe(true);
    }
  });

  it('then deciding it again, later or elsewhere, names the same events', () => {
    const again = given().when(basket, purchase, '2026-03-20T10:05:00.000Z').decision;
    expect(again.ids).toEqual(decision.ids);
    expect(eventsOf(again).map((e) => e.eventId)).toEqual(eventsOf(decision).map((e) => e.eventId));
  });
});

describe('given a customer outside the audience', () => {
  it('then the decision is suppressed with reason "audience" and every condition recorded', () => {
    const outcome = given({ customer: customer({ segment: 'at-risk' }) }).when(basket, purchase);
    outcome.thenSuppressed('audience', 'not passed: customer.segment in ["loyal", "champions"]');
    expect(eventOfType(outcome.decision, 'MessageSuppressed')?.data.conditions.map((c) => c.passed)).toEqual([true, false]);
    expect(outcome.decision.appends).toHaveLength(1);
  });
});

describe('given an alcohol merchant and a campaign promoting alcohol', () => {
  it('then a customer under 18 is never targeted', () => {
    const outcome = given({ customer: customer({ ofAge: false, ageYears: 17 }) }).when(basket, purchase);
    outcome.thenSuppressed('age', 'under 18: no offer promoting alcohol');
    // The record says the customer is not of age, never how old they are.
    expect(eventOfType(outcome.decision, 'MessageSuppressed')?.data.controls).toEqual([{ control: 'age', value: { ofAge: false }, passed: false, detail: 'under 18: no offer promoting alcohol' }]);
    expect(JSON.stringify(eventsOf(outcome.decision))).not.toMatch(/ageYears|:17\b/);
  });

  it('then neither is a customer of unknown age', () => {
    given({ customer: customer({ ofAge: null, ageYears: null, birthday: null }) }).when(basket, purchase).thenSuppressed('age', /^age unknown/);
  });

  it('then a business customer, who has no age, is', () => {
    const b2bBasket = campaign({ trigger: { type: 'purchase' }, actions: { message: { channels: ['email'], template: 'gros-panier' } } });
    expect(given({ customer: customer({ type: 'b2b', businessCategory: 'restaurant', ofAge: null, ageYears: null, birthday: null }) }).when(b2bBasket, purchase).decision.outcome).toBe('triggered');
  });

  it('then a campaign that does not promote alcohol ignores the age', () => {
    const welcome = campaign({ trigger: { type: 'consent-granted' }, promotesAlcohol: false, actions: { message: { channels: ['email'], template: 'bienvenue' } } });
    const { decision } = given({ customer: customer({ ofAge: null, ageYears: null }) }).when(welcome, eventOccurrence({ type: 'consent-granted', facts: { channel: 'email', purpose: 'marketing', source: 'pos' } }));
    expect(decision.outcome).toBe('triggered');
    expect(eventOfType(decision, 'CampaignTriggered')?.data.controls.map((c) => c.control)).not.toContain('age');
  });
});

describe('given a campaign once per lifetime already received', () => {
  it('then a second trigger is suppressed, naming the first', () => {
    const welcome = campaign({ id: 'bienvenue', trigger: { type: 'consent-granted' }, oncePer: 'lifetime', promotesAlcohol: false, actions: { bonusPoints: 50 } });
    given({ history: { messages: [], decisions: [{ campaignId: 'bienvenue', period: 'e-1', at: '2025-01-01T10:00:00.000Z' }] } })
      .when(welcome, eventOccurrence({ type: 'consent-granted', facts: { channel: 'sms', purpose: 'marketing', source: 'pos' } }))
      .thenSuppressed('once-per-period', 'already targeted this lifetime on 2025-01-01T10:00:00.000Z');
  });
});

describe('given a customer in the control group', () => {
  it('then the campaign is triggered with the control flag, and nothing is sent or granted', () => {
    const held = campaign({ ...basketFields(), controlGroupPercent: 100, actions: { message: { channels: ['email'], template: 'gros-panier' }, bonusPoints: 100, voucher: { valueCents: 500, validityDays: 30 } } });
    const { decision } = given().when(held, purchase);
    expect(decision.outcome).toBe('control-group');
    expect(eventOfType(decision, 'CampaignTriggered')?.data).toMatchObject({ controlGroup: true, messageId: null, channel: null, actions: { bonusPoints: null, voucherId: null } });
    expect(eventOfType(decision, 'CampaignTriggered')?.data.controls.at(-1)).toMatchObject({ control: 'control-group', passed: false });
    expect(decision.appends).toHaveLength(1);
    expect(decision.bonus).toBeNull();
  });

  it("then the merchant-wide control group keeps the customer out of every marketing campaign", () => {
    const { decision } = given({ merchant: { ...merchant, globalControlGroupPercent: 100 } }).when(basket, purchase);
    expect(decision.outcome).toBe('control-group');
    expect(eventOfType(decision, 'CampaignTriggered')?.data.controls.map((c) => [c.control, c.passed])).toContainEqual(['global-control-group', false]);
  });
});

describe('given the customer withdrew the marketing consent of every channel of the campaign', () => {
  it('then the decision is suppressed with "no-consent" and each channel\'s reason', () => {
    const outcome = given({ contact: contact(['postal']) }).when(basket, purchase);
    outcome.thenSuppressed('no-consent', 'email: no marketing consent for email');
    expect(eventOfType(outcome.decision, 'MessageSuppressed')?.data.channelReasons).toEqual([{ channel: 'email', usable: false, reason: 'no-consent', detail: 'no marketing consent for email' }]);
  });

  it('then a consented channel without address makes it "unreachable"', () => {
    given({ contact: contact(['email'], ['sms']) }).when(basket, purchase).thenSuppressed('unreachable', 'email: no email address');
  });
});

describe('given a customer at the frequency cap', () => {
  const recent: ContactRecord[] = [
    { campaignId: 'anniversaire', channel: 'sms', at: '2026-03-18T09:00:00.000Z' },
    { campaignId: 'bienvenue', channel: 'email', at: '2026-03-15T09:00:00.000Z' },
  ];

  it('then a marketing message is suppressed with "frequency-cap", naming the campaigns that reached it', () => {
    given({ history: { messages: recent, decisions: [] } })
      .when(basket, purchase)
      .thenSuppressed('frequency-cap', '2 marketing messages in the last 7 days (anniversaire, bienvenue); at most 2');
  });

  it('then a message that is not marketing still goes', () => {
    const reminder = campaign({ trigger: { type: 'points-expiring', withinDays: 30 }, marketing: false, promotesAlcohol: false, actions: { message: { channels: ['sms'], template: 'points-expirent' } } });
    const occurrence = timeOccurrence(reminder.definition, { customerId: 'alice', occasionOn: '2026-04-19', points: 300 }, PARIS);
    const { decision } = given({ history: { messages: recent, decisions: [] } }).when(reminder, occurrence, '2026-03-21T20:30:00.000Z');
    expect(decision.outcome).toBe('triggered');
    // Not marketing: the loyalty consent, no cap, and no quiet hours on a Saturday at 21:30.
    expect(eventOfType(decision, 'MessageQueued')?.data).toMatchObject({ purpose: 'loyalty', channel: 'sms', scheduledFor: null });
  });
});

describe('given a campaign with a monthly budget', () => {
  const budgeted = campaign({ ...basketFields(), monthlyBudgetCents: 5000, actions: { message: { channels: ['sms'], template: 'gros-panier' } } });

  it('then a message that would exceed it is suppressed with "budget"', () => {
    given({ spentThisMonthMilliMinor: 4_995_000 }).when(budgeted, purchase).thenSuppressed('budget', '2026-03: 4995 + 7 cents would exceed the budget of 5000');
  });

  it('then a message within it is queued, and counts its estimated cost', () => {
    const { decision } = given({ spentThisMonthMilliMinor: 4_993_000 }).when(budgeted, purchase);
    expect(decision).toMatchObject({ outcome: 'triggered', costMilliMinor: 7000, message: { estimatedCostCents: 7 } });
  });
});

describe('given a campaign by email with a budget of one cent a month', () => {
  it('then it sends ten emails at a tenth of a cent, not one more: costs add up in thousandths', () => {
    const emails = campaign({ ...basketFields(), monthlyBudgetCents: 1, actions: { message: { channels: ['email'], template: 'gros-panier' } } });
    const tenth = given({ spentThisMonthMilliMinor: 900 }).when(emails, purchase).decision;
    expect(tenth).toMatchObject({ outcome: 'triggered', costMilliMinor: 100, message: { estimatedCostCents: 0 } });
    given({ spentThisMonthMilliMinor: 1000 }).when(emails, purchase).thenSuppressed('budget', '2026-03: 1 + 0.100 cents would exceed the budget of 1');
  });
});

describe('given quiet hours for marketing SMS', () => {
  const birthday = campaign({ id: 'anniversaire', trigger: { type: 'birthday', daysBefore: 7, at: '21:00' }, actions: { message: { channels: ['sms', 'email'], template: 'anniversaire' } } });

  it('then an SMS decided on Saturday evening is deferred to Monday 08:00, never dropped', () => {
    const occurrence = timeOccurrence(birthday.definition, { customerId: 'alice', occasionOn: '2026-06-20' }, PARIS);
    const { decision } = given().when(birthday, occurrence);
    expect(occurrence.at).toBe('2026-06-13T19:00:00.000Z'); // Saturday 21:00 in Paris
    expect(decision.message).toMatchObject({ channel: 'sms', scheduledFor: '2026-06-15T06:00:00.000Z' });
    expect(eventOfType(decision, 'MessageQueued')?.data.scheduledFor).toBe('2026-06-15T06:00:00.000Z');
    expect(eventOfType(decision, 'CampaignTriggered')?.data.controls.at(-1)).toMatchObject({ control: 'quiet-hours', passed: true, value: { scheduledFor: '2026-06-15T06:00:00.000Z' } });
  });
});

describe('given a campaign with a voucher', () => {
  const atRisk = campaign({
    id: 'a-risque',
    trigger: { type: 'segment-entered', segments: ['at-risk'] },
    actions: { message: { channels: ['sms'], template: 'a-risque' }, voucher: { valueCents: 1500, minimumPurchaseCents: 5000, validityDays: 21 } },
  });
  const entered = eventOccurrence({ type: 'segment-entered', eventType: 'SegmentChanged', facts: { from: 'loyal', to: 'at-risk' } });

  it('then the voucher is issued on the customer stream, and the message carries its code', () => {
    const { decision } = given().when(atRisk, entered);
    expect(eventOfType(decision, 'VoucherIssued')?.data).toEqual({
      customerId: 'alice',
      voucherId: decision.ids.voucherId,
      code: 'CAVE-ABCD-EFGH-JKLM',
      campaignId: 'a-risque',
      messageId: decision.ids.messageId,
      kind: 'amount',
      currency: 'EUR',
      valueCents: 1500,
      percent: null,
      minimumPurchaseCents: 5000,
      issuedAt: entered.at,
      // Issued on 20 March: valid through 10 April, in Paris.
      expiresAt: '2026-04-10T22:00:00.000Z',
    });
    expect(eventOfType(decision, 'MessageQueued')?.data.voucher).toEqual({ voucherId: decision.ids.voucherId, code: 'CAVE-ABCD-EFGH-JKLM' });
    expect(decision.appends.map((a) => a.streamId)).toEqual([`campaign-${MERCHANT_ID}.a-risque`, `message-${MERCHANT_ID}.${decision.ids.messageId}`, `customer-${MERCHANT_ID}.alice`]);
  });

  it('then no voucher is issued when the message cannot go', () => {
    const { decision } = given({ contact: contact([]) }).when(atRisk, entered);
    expect(eventOfType(decision, 'VoucherIssued')).toBeUndefined();
  });
});

describe('given a challenge met', () => {
  const challenge = campaign({
    id: 'defi-decembre',
    controlGroupPercent: 100,
    trigger: { type: 'challenge', purchases: 3, period: 'month', months: [12] },
    actions: { message: { channels: ['email'], template: 'defi-decembre' }, bonusPoints: 200 },
  });
  const completed = eventOccurrence({ kind: 'challenge', type: 'challenge', period: '2026-12', at: '2026-11-30T23:00:00.000Z', facts: { challengeId: 'defi-decembre', period: '2026-12', purchases: 3, spendCents: 9000 } });

  it('then it is completed once for the period with its bonus, and no control group holds the reward back', () => {
    const { decision } = given().when(challenge, completed, '2026-12-16T10:00:00.000Z');
    expect(decision.outcome).toBe('triggered');
    expect(eventOfType(decision, 'ChallengeCompleted')).toEqual({
      eventId: decision.ids.challengeCompletedEventId,
      type: 'ChallengeCompleted',
      data: { customerId: 'alice', challengeId: 'defi-decembre', period: '2026-12', purchases: 3, currency: 'EUR', spendCents: 9000, bonusPoints: 200, completedAt: '2026-12-16T10:00:00.000Z' },
    });
    expect(decision.bonus).toMatchObject({ points: 200, reason: 'challenge', sourceId: 'defi-decembre' });
  });

  it('then the reward stands when the congratulation cannot be sent', () => {
    const { decision } = given({ contact: contact([]) }).when(challenge, completed, '2026-12-16T10:00:00.000Z');
    expect(decision.outcome).toBe('triggered');
    expect(eventOfType(decision, 'CampaignTriggered')?.data).toMatchObject({ messageId: null, channel: null, actions: { bonusPoints: 200 } });
    // The completion is recorded with its bonus, exactly as when the message goes.
    expect(eventOfType(decision, 'ChallengeCompleted')).toEqual({
      eventId: decision.ids.challengeCompletedEventId,
      type: 'ChallengeCompleted',
      data: { customerId: 'alice', challengeId: 'defi-decembre', period: '2026-12', purchases: 3, spendCents: 9000, currency: 'EUR', bonusPoints: 200, completedAt: '2026-12-16T10:00:00.000Z' },
    });
    expect(decision.bonus).toMatchObject({ points: 200, reason: 'challenge', sourceId: 'defi-decembre' });
    expect(eventOfType(decision, 'MessageQueued')).toBeUndefined();
  });
});

describe('given an erased customer', () => {
  it('then only the suppression is recorded', () => {
    given({ customer: null }).when(basket, purchase).thenSuppressed('erased', 'the customer was erased or merged');
  });
});

describe('given an on-demand launch', () => {
  it('then each launch is its own period', () => {
    const tasting = campaign({ id: 'invitation', trigger: { type: 'manual' }, actions: { message: { channels: ['email'], template: 'invitation' } } });
    const first = given().when(tasting, manualOccurrence(tasting.definition, 'alice', { launchId: 'launch-1', launchedAt: AT })).decision;
    const second = given().when(tasting, manualOccurrence(tasting.definition, 'alice', { launchId: 'launch-2', launchedAt: AT })).decision;
    expect(eventOfType(first, 'CampaignTriggered')?.data.trigger).toMatchObject({ kind: 'manual', period: 'launch-1' });
    expect(second.ids.messageId).not.toBe(first.ids.messageId);
  });
});

function basketFields() {
  return { id: 'gros-panier', trigger: { type: 'purchase', filter: 'event.totalCents >= 15000' } };
}
