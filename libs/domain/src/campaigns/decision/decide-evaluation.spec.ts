import { describe, expect, it } from '@jest/globals';
import { ALL_TEMPLATES, compile, contact, customer, eventOccurrence, eventOfType, merchant, PARIS, purchaseData } from '../campaign.fixtures.js';
import type { CompiledCampaign } from '../config/parse-campaigns.js';
import { DEFAULT_FREQUENCY_CAPS } from '../config/campaign.schema.js';
import { purchaseFacts } from '../triggers/event-triggers.js';
import { manualOccurrence } from '../triggers/manual.js';
import { decideEvaluation, type EvaluationCandidate, type EvaluationState } from './decide-evaluation.js';
import { campaignLaunched, launchPreview } from './launch-preview.js';

const AT = '2026-03-20T10:00:00.000Z';
const purchase = eventOccurrence({ facts: purchaseFacts(purchaseData('p1', 18000, AT), PARIS), at: AT });

// Two campaigns fire on the same purchase; the thank-you comes first (priority 10).
const [thanks, crossSell] = compile([
  { id: 'merci', name: 'Merci', priority: 10, controlGroupPercent: 0, trigger: { type: 'purchase' }, actions: { message: { channels: ['email'], template: 'merci' } } },
  { id: 'champagne', name: 'Champagne', priority: 50, controlGroupPercent: 0, trigger: { type: 'purchase' }, actions: { message: { channels: ['sms', 'email'], template: 'champagne' } } },
]) as [CompiledCampaign, CompiledCampaign];

function candidate(c: CompiledCampaign, customerId = 'alice'): EvaluationCandidate {
  return {
    merchant,
    frequencyCaps: DEFAULT_FREQUENCY_CAPS,
    campaign: c,
    occurrence: { ...purchase, customerId },
    customer: customer({ id: customerId }),
    contact: contact(),
    templates: ALL_TEMPLATES,
    voucherCode: null,
    now: AT,
  };
}

const empty: EvaluationState = { histories: new Map(), spentThisMonthMilliMinor: new Map() };

describe('given a customer with one marketing message this week, when one purchase fires two campaigns', () => {
  const state: EvaluationState = {
    histories: new Map([['alice', { messages: [{ campaignId: 'bienvenue', channel: 'email', at: '2026-03-17T09:00:00.000Z' }], decisions: [] }]]),
    spentThisMonthMilliMinor: new Map(),
  };

  it('then the higher priority goes first and the other is capped, naming it', () => {
    const { decisions } = decideEvaluation([candidate(crossSell), candidate(thanks)], state);
    expect(decisions.map((d) => [d.candidate.campaign.definition.id, d.decision.outcome, d.decision.reason])).toEqual([
      ['merci', 'triggered', null],
      ['champagne', 'suppressed', 'frequency-cap'],
    ]);
    expect(eventOfType(decisions[1]!.decision, 'MessageSuppressed')?.data.detail).toBe('2 marketing messages in the last 7 days (merci, bienvenue); at most 2');
  });

  it('then the order given does not matter', () => {
    const a = decideEvaluation([candidate(crossSell), candidate(thanks)], state).decisions.map((d) => d.decision.ids.decisionEventId);
    const b = decideEvaluation([candidate(thanks), candidate(crossSell)], state).decisions.map((d) => d.decision.ids.decisionEventId);
    expect(b).toEqual(a);
  });

  it('then both go for a customer with no message this week, and the history records them', () => {
    const { decisions, state: after } = decideEvaluation([candidate(crossSell), candidate(thanks)], empty);
    expect(decisions.map((d) => d.decision.outcome)).toEqual(['triggered', 'triggered']);
    expect(after.histories.get('alice')?.messages.map((m) => [m.campaignId, m.channel])).toEqual([['merci', 'email'], ['champagne', 'sms']]);
    expect(after.histories.get('alice')?.decisions.map((d) => d.campaignId)).toEqual(['merci', 'champagne']);
  });
});

describe('given a campaign with a small budget, when a run targets several customers', () => {
  const [budgeted] = compile([
    { id: 'relance', name: 'Relance', controlGroupPercent: 0, monthlyBudgetCents: 15, trigger: { type: 'purchase' }, actions: { message: { channels: ['sms'], template: 'relance' } } },
  ]) as [CompiledCampaign];

  it('then the budget is spent in customer order and the rest is suppressed with "budget"', () => {
    const { decisions, state } = decideEvaluation([candidate(budgeted, 'carla'), candidate(budgeted, 'alice'), candidate(budgeted, 'bruno')], empty);
    expect(decisions.map((d) => [d.candidate.occurrence.customerId, d.decision.outcome, d.decision.reason])).toEqual([
      ['alice', 'triggered', null],
      ['bruno', 'triggered', null],
      ['carla', 'suppressed', 'budget'],
    ]);
    expect(state.spentThisMonthMilliMinor.get('relance')).toBe(14_000);
  });
});

describe('given an on-demand campaign, when its launch is previewed', () => {
  const [tasting] = compile([
    {
      id: 'degustation', name: 'Dégustation', controlGroupPercent: 0, trigger: { type: 'manual' },
      audience: 'customer.segment in ["champions", "loyal"]', actions: { message: { channels: ['sms', 'email'], template: 'degustation' } },
    },
  ]) as [CompiledCampaign];
  const launch = { launchId: 'launch-1', launchedAt: AT };
  const one = (customerId: string, fields: Parameters<typeof customer>[0], consented: Parameters<typeof contact>[0]): EvaluationCandidate => ({
    ...candidate(tasting, customerId),
    occurrence: manualOccurrence(tasting.definition, customerId, launch),
    customer: customer({ id: customerId, ...fields }),
    contact: contact(consented),
  });

  it('then it counts the audience after the controls, why the others are left out, and the cost per channel', () => {
    const { decisions } = decideEvaluation(
      [one('a', {}, ['sms']), one('b', {}, ['email']), one('c', {}, ['sms', 'email']), one('d', { segment: 'lost' }, ['sms']), one('e', {}, [])],
      empty,
    );
    const preview = launchPreview(decisions.map((d) => d.decision));
    expect(preview).toEqual({
      audienceCount: 3,
      controlGroupCount: 0,
      suppressedCount: 2,
      suppressedBy: { audience: 1, 'no-consent': 1 },
      estimates: [
        { channel: 'email', messages: 1, costCents: 0 },
        { channel: 'sms', messages: 2, costCents: 14 },
      ],
      estimatedCostCents: 14,
    });
    expect(campaignLaunched(preview, { campaignId: 'degustation', ruleVersion: tasting.ruleVersion, launchId: 'launch-1', confirmedBy: 'user:marie', launchedAt: AT, currency: 'EUR' })).toMatchObject({
      audienceCount: 3,
      currency: 'EUR', estimatedCostCents: 14,
    });
  });
});
