import { describe, expect, it } from '@jest/globals';
import { context, merchant } from '../campaign.fixtures.js';
import { parseCampaigns, type CampaignContext } from './parse-campaigns.js';

const birthday = {
  id: 'anniversaire',
  name: 'Joyeux anniversaire',
  trigger: { type: 'birthday', daysBefore: 7 },
  audience: 'customer.type == "b2c"',
  actions: { message: { channels: ['sms', 'email'], template: 'anniversaire' }, voucher: { valueCents: 1000, validityDays: 30 } },
};
const basket = {
  id: 'gros-panier',
  name: 'Gros panier',
  trigger: { type: 'purchase', filter: 'event.totalCents >= 15000' },
  actions: { message: { channels: ['email'], template: 'gros-panier' } },
};

function issuesOf(input: unknown, ctx: CampaignContext = context): string[] {
  const result = parseCampaigns(input, ctx);
  if (result.success) return [];
  return result.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('a valid campaigns file', () => {
  it('fills every default in, from the file, then the merchant', () => {
    const result = parseCampaigns({ defaults: { controlGroupPercent: 5, priority: 50 }, campaigns: [birthday] }, context);
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.set.defaults).toEqual({ controlGroupPercent: 5, priority: 50, frequencyCaps: [{ max: 2, days: 7, channel: null }] });
    expect(result.set.campaigns[0]!.definition).toEqual({
      id: 'anniversaire',
      name: 'Joyeux anniversaire',
      description: '',
      status: 'active',
      priority: 50,
      trigger: { type: 'birthday', daysBefore: 7, at: '10:00' },
      audience: ['customer.type == "b2c"'],
      oncePer: 'period',
      actions: {
        message: { channels: ['sms', 'email'], template: 'anniversaire' },
        bonusPoints: null,
        voucher: { valueCents: 1000, percent: null, minimumPurchaseCents: 0, validityDays: 30 },
      },
      controlGroupPercent: 5,
      monthlyBudgetCents: null,
      promotesAlcohol: true,
      marketing: true,
    });
  });

  it('gives each campaign a version that changes with it only, whatever the order it is written in', () => {
    const parse = (campaigns: unknown[]): Record<string, string> => {
      const result = parseCampaigns({ campaigns }, context);
      if (!result.success) throw new Error('invalid');
      return { set: result.set.version, ...Object.fromEntries(result.set.campaigns.map((c) => [c.definition.id, c.ruleVersion])) };
    };
    const first = parse([birthday, basket]);
    const reordered = parse([basket, { actions: birthday.actions, audience: birthday.audience, trigger: birthday.trigger, name: birthday.name, id: birthday.id }]);
    expect(reordered).toEqual(first);
    const edited = parse([{ ...birthday, trigger: { type: 'birthday', daysBefore: 5 } }, basket]);
    expect(edited['gros-panier']).toBe(first['gros-panier']);
    expect(edited.anniversaire).not.toBe(first.anniversaire);
    expect(edited.set).not.toBe(first.set);
    expect(first.anniversaire).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is empty when the file is', () => {
    const result = parseCampaigns(undefined, context);
    expect(result.success && result.set.campaigns).toEqual([]);
  });
});

describe('a campaigns file with mistakes', () => {
  it('reports every problem of every campaign at once, each at its path', () => {
    const noOptOut: CampaignContext = { ...context, merchant: { ...merchant, channels: { ...merchant.channels, sms: { ...merchant.channels.sms, stopNumber: null } } } };
    expect(
      issuesOf(
        {
          defaults: { frequencyCaps: [{ max: -1, days: 7 }] },
          campaigns: [
            { ...birthday, audience: ['customer.type == "b2c"', 'customer.segment == "a-risque"'] },
            { ...basket, monthlyBudgetCents: -500 },
            { ...basket, id: 'gros-panier', name: 'Doublon' },
            { id: 'a-risque', name: 'À risque', trigger: { type: 'segment-entered', segments: ['a-risque'] }, actions: { message: { channels: ['sms'], template: 'a-risque' } } },
            { id: 'statut', name: 'Statut', trigger: { type: 'tier-changed', to: ['platine'] }, actions: { bonusPoints: 10 } },
            { id: 'fete', name: 'Fête', trigger: { type: 'yearly', month: 2, day: 30 }, actions: { bonusPoints: 10 } },
            { id: 'vide', name: 'Rien', trigger: { type: 'manual' }, actions: {} },
            { id: 'inconnu', name: 'Inconnu', trigger: { type: 'weekly' }, actions: { bonusPoints: 1 } },
            { id: 'filtre', name: 'Filtre', trigger: { type: 'purchase', filter: 'event.totalCents >= "cent"' }, actions: { bonusPoints: 1 } },
            { id: 'palier', name: 'Palier', trigger: { type: 'reward-reachable', reward: 'jeroboam' }, actions: { bonusPoints: 1 } },
            { id: 'bravo', name: 'Bravo', trigger: { type: 'challenge-completed', challenge: 'gros-panier' }, actions: { bonusPoints: 1 } },
          ],
        },
        noOptOut,
      ),
    ).toEqual([
      'defaults.frequencyCaps.0.max: must be at least 0',
      'campaigns.1.monthlyBudgetCents: must be at least 0',
      'campaigns.6.actions: needs at least one action (message, bonusPoints or voucher)',
      'campaigns.7.trigger.type: must be one of purchase, tier-changed, segment-entered, consent-granted, reward-reachable, challenge-completed, birthday, inactivity, points-expiring, anniversary, date, yearly, challenge, manual',
      'campaigns.2.id: duplicate campaign id "gros-panier" (also campaigns[1])',
      'campaigns.0.actions.message.channels.0: "sms" cannot be used: no opt-out means: set channels.sms.stopNumber in merchant.yaml (a marketing SMS must say "STOP au …")',
      'campaigns.0.audience.1: unknown segment "a-risque" (segments: champions, loyal, potential-loyalist, new, promising, need-attention, about-to-sleep, at-risk, cant-lose-them, hibernating, lost) (column 21)',
      'campaigns.3.trigger.segments.0: unknown segment "a-risque" (segments: champions, loyal, potential-loyalist, new, promising, need-attention, about-to-sleep, at-risk, cant-lose-them, hibernating, lost)',
      'campaigns.3.actions.message.channels.0: "sms" cannot be used: no opt-out means: set channels.sms.stopNumber in merchant.yaml (a marketing SMS must say "STOP au …")',
      'campaigns.4.trigger.to.0: unknown tier "platine" (tiers: decouverte, amateur, connaisseur)',
      'campaigns.5.trigger.day: month 2 has 28 days',
      'campaigns.8.trigger.filter: cannot order a whole number and a text (>=) (column 18)',
      'campaigns.9.trigger.reward: unknown reward "jeroboam" (rewards: bon-10, magnum-offert)',
      'campaigns.10.trigger.challenge: unknown challenge "gros-panier" (challenges: none): name a campaign whose trigger is a challenge',
    ]);
  });

  it('lets a message that is not marketing use a channel without opt-out means, but never one without sender', () => {
    const noSms: CampaignContext = { ...context, merchant: { ...merchant, channels: { ...merchant.channels, sms: { senderName: null, stopNumber: null } } } };
    const reminder = { id: 'rappel', name: 'Rappel', trigger: { type: 'points-expiring', withinDays: 30 }, marketing: false, actions: { message: { channels: ['email', 'sms'], template: 'rappel' } } };
    expect(issuesOf({ campaigns: [reminder] }, noSms)).toEqual(['campaigns.0.actions.message.channels.1: "sms" cannot be used: no sender: set channels.sms.senderName in merchant.yaml']);
    const noStop: CampaignContext = { ...context, merchant: { ...merchant, channels: { ...merchant.channels, sms: { senderName: 'Cave', stopNumber: null } } } };
    expect(issuesOf({ campaigns: [reminder] }, noStop)).toEqual([]);
  });

  it('checks yearly dates and challenges', () => {
    const yearly = (trigger: Record<string, unknown>) => ({ id: 'y', name: 'Y', trigger: { type: 'yearly', month: 11, ...trigger }, actions: { bonusPoints: 1 } });
    expect(issuesOf({ campaigns: [yearly({ weekday: 'thursday', nth: 3 })] })).toEqual([]);
    expect(issuesOf({ campaigns: [yearly({ weekday: 'thursday' })] })).toEqual(['campaigns.0.trigger.nth: required with the other (e.g. weekday: thursday, nth: 3)']);
    expect(issuesOf({ campaigns: [yearly({ day: 20, weekday: 'thursday', nth: 3 })] })).toEqual(['campaigns.0.trigger.day: give either day, or weekday and nth (e.g. weekday: thursday, nth: 3)']);
    expect(issuesOf({ campaigns: [{ ...yearly({}), trigger: { type: 'yearly', month: 2, day: 29 } }] })).toEqual(['campaigns.0.trigger.day: 29 February is not in every year: use 28 or a date trigger']);
    const challenge = { id: 'defi', name: 'Défi', trigger: { type: 'challenge', period: 'month', purchases: 3, spendCents: 10000 }, actions: { bonusPoints: 200 } };
    expect(issuesOf({ campaigns: [challenge] })).toEqual(['campaigns.0.trigger.purchases: give either purchases or spendCents']);
  });

  it('keeps a challenge once per period, whatever is written', () => {
    const result = parseCampaigns({ campaigns: [{ id: 'defi', name: 'Défi', oncePer: 'lifetime', trigger: { type: 'challenge', period: 'month', purchases: 3 }, actions: { bonusPoints: 200 } }] }, context);
    expect(result.success && result.set.campaigns[0]!.definition.oncePer).toBe('period');
  });
});
