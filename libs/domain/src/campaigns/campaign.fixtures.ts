import type { EventData } from '../events/catalog.js';
import type { Channel } from '../events/primitives.js';
import { DEFAULT_EUR_PRICES, type CampaignMerchant } from './config/campaign-merchant.js';
import { DEFAULT_FREQUENCY_CAPS } from './config/campaign.schema.js';
import { parseCampaigns, type CampaignContext, type CompiledCampaign } from './config/parse-campaigns.js';
import type { ContactFacts } from './controls/channel-choice.js';
import { DEFAULT_QUIET_HOURS } from './controls/quiet-hours.js';
import { decideCampaign, type CampaignDecision, type CampaignDecisionInput, type ContactHistory, type PlannedEvent } from './decision/decide-campaign.js';
import type { CustomerFacts } from './facts/customer-facts.js';
import type { TriggerOccurrence } from './triggers/occurrence.js';

// Test data for the campaign specs: the demo caviste's settings, a customer, and a given/when/then for decisions.

export const MERCHANT_ID = 'cave-test';
export const PARIS = 'Europe/Paris';

export const merchant: CampaignMerchant = {
  id: MERCHANT_ID,
  name: 'La Cave des Halles',
  timeZone: PARIS,
  locale: 'fr-FR',
  currency: 'EUR',
  alcohol: true,
  channels: {
    email: { fromAddress: 'bonjour@cave.example', fromName: null, replyTo: null, unsubscribeBaseUrl: 'https://cave.example/desabonnement' },
    sms: { senderName: 'CaveHalles', stopNumber: '36111' },
    postal: { returnAddress: ['La Cave', '12 rue des Halles', '69001 Lyon'] },
  },
  channelPrices: DEFAULT_EUR_PRICES,
  quietHours: DEFAULT_QUIET_HOURS,
  globalControlGroupPercent: 0,
};

export const context: CampaignContext = {
  merchant,
  vocabulary: { tiers: ['decouverte', 'amateur', 'connaisseur'], stores: ['halles', 'croix-rousse'], rewards: ['bon-10', 'magnum-offert'] },
};

/** Compiles campaigns written as in campaigns.yaml; fails the test on a configuration problem. */
export function compile(campaigns: readonly Record<string, unknown>[], defaults: Record<string, unknown> = {}, ctx: CampaignContext = context): CompiledCampaign[] {
  const result = parseCampaigns({ defaults, campaigns }, ctx);
  if (!result.success) throw new Error(`Campaign fixtures do not compile:\n${result.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return [...result.set.campaigns];
}

export function campaign(fields: Record<string, unknown>, ctx: CampaignContext = context): CompiledCampaign {
  return compile([{ id: 'test', name: 'Test', controlGroupPercent: 0, ...fields }], {}, ctx)[0]!;
}

export function customer(fields: Partial<CustomerFacts> = {}): CustomerFacts {
  return {
    id: 'alice',
    type: 'b2c',
    businessCategory: null,
    tier: 'amateur',
    segment: 'loyal',
    balance: 120,
    storeId: 'halles',
    locale: 'fr-FR',
    ofAge: true,
    ageYears: 41,
    birthday: '03-14',
    enrolledOn: '2024-05-02',
    daysSinceEnrolment: 700,
    consents: { email: true, sms: true, rcs: false, postal: false },
    spendCents: { d30: 4500, d90: 12000, d365: 48000, lifetime: 91000 },
    purchaseCount: { d30: 1, d90: 3, d365: 9, lifetime: 17 },
    categories: ['rouge', 'champagne'],
    lastPurchaseOn: '2026-03-01',
    daysSinceLastPurchase: 20,
    ...fields,
  };
}

export function contact(consented: readonly Channel[] = ['email', 'sms'], reachable: readonly Channel[] = ['email', 'sms', 'rcs', 'postal']): ContactFacts {
  return {
    consents: { marketing: Object.fromEntries(consented.map((c) => [c, true])), loyalty: Object.fromEntries(consented.map((c) => [c, true])) },
    reachable: Object.fromEntries(reachable.map((c) => [c, true])),
  };
}

export const ALL_TEMPLATES = { email: { version: 'e1', locale: 'fr-FR' }, sms: { version: 's1', locale: 'fr-FR' }, rcs: { version: 'r1', locale: 'fr-FR' }, postal: { version: 'p1', locale: 'fr-FR' } };

/** A purchase's event data. */
export function purchaseData(purchaseId: string, totalCents: number, purchasedAt: string, customerId: string | null = 'alice', category: string | null = 'rouge'): EventData<'PurchaseRecorded'> {
  return {
    purchaseId,
    customerId,
    storeId: 'halles',
    externalRef: null,
    channel: 'pos',
    currency: 'EUR',
    lines: [{ lineNo: 1, sku: 'SKU-1', name: 'Article', category, quantity: 1, unitPriceCents: totalCents, discountCents: 0, promo: false, totalCents }],
    totalCents,
    rewardIdsUsed: [],
    purchasedAt,
  };
}

/** An occurrence as the event triggers would give it. */
export function eventOccurrence(fields: Partial<TriggerOccurrence> = {}): TriggerOccurrence {
  return {
    kind: 'event',
    type: 'purchase',
    customerId: 'alice',
    eventId: '0195d2a0-0000-7000-8000-000000000001',
    eventType: 'PurchaseRecorded',
    schedule: null,
    period: '0195d2a0-0000-7000-8000-000000000001',
    description: 'purchase',
    at: '2026-03-20T10:00:00.000Z',
    facts: {},
    ...fields,
  };
}

export interface World {
  readonly customer: CustomerFacts | null;
  readonly contact: ContactFacts;
  readonly history: ContactHistory;
  readonly spentThisMonthMilliMinor: number;
  readonly templates: CampaignDecisionInput['templates'];
  readonly merchant: CampaignMerchant;
  readonly voucherCode: string | null;
  readonly frequencyCaps: CampaignDecisionInput['frequencyCaps'];
}

/**
 * given(the customer's world).when(a campaign fires, at an instant).then(the decision) — a decision
 * written as facts, like the deciders' specs.
 */
export function given(world: Partial<World> = {}) {
  const full: World = {
    customer: customer(),
    contact: contact(),
    history: { messages: [], decisions: [] },
    spentThisMonthMilliMinor: 0,
    templates: ALL_TEMPLATES,
    merchant,
    voucherCode: 'CAVE-ABCD-EFGH-JKLM',
    frequencyCaps: DEFAULT_FREQUENCY_CAPS,
    ...world,
  };
  return {
    when(compiled: CompiledCampaign, occurrence: TriggerOccurrence, now = occurrence.at) {
      const decision = decideCampaign({ ...full, campaign: compiled, occurrence, now });
      return {
        decision,
        then(check: (decision: CampaignDecision) => void): void {
          check(decision);
        },
        thenSuppressed(reason: string, detail?: string | RegExp): void {
          const [event] = eventsOf(decision);
          if (event?.type !== 'MessageSuppressed') throw new Error(`Expected a suppression, got ${event?.type ?? 'nothing'}`);
          if (event.data.reason !== reason) throw new Error(`Expected reason ${reason}, got ${event.data.reason} (${event.data.detail ?? ''})`);
          if (detail !== undefined && !(typeof detail === 'string' ? event.data.detail === detail : detail.test(event.data.detail ?? ''))) {
            throw new Error(`Unexpected detail: ${event.data.detail ?? 'null'}`);
          }
        },
      };
    },
  };
}

export function eventsOf(decision: CampaignDecision): PlannedEvent[] {
  return decision.appends.flatMap((a) => a.events);
}

export function eventOfType<T extends PlannedEvent['type']>(decision: CampaignDecision, type: T): Extract<PlannedEvent, { type: T }> | undefined {
  return eventsOf(decision).find((e): e is Extract<PlannedEvent, { type: T }> => e.type === type);
}
