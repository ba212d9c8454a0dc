import {
  customerDecider,
  evolveCustomer,
  streams,
  type ActiveProgram,
  type CustomerCommand,
  type CustomerState,
  type DomainEvent,
  type PurchaseLine,
} from '@relance/domain';
import { SeededRandom } from './seeded-random.js';

/**
 * A caviste's realistic history, decided by the real customer decider (points, lots, vouchers, tiers,
 * refunds, expiry, exactly as the engine would record them), plus campaign decisions, messages,
 * anonymous sales and RFM segment changes. Deterministic for a seed. Yields one stream's events at a
 * time, so a writer can append each as one batched call.
 */
export interface StreamEvents {
  readonly streamId: string;
  readonly events: DomainEvent[];
  /** Business time of the last event, for the metadata. */
  readonly at: string;
}

const DAY = 86_400_000;
const START = Date.parse('2024-01-01T09:00:00.000Z');
const CATEGORIES = ['rouge', 'blanc', 'rose', 'champagne', 'spiritueux', 'biere'];

export class LoyaltyHistory {
  private readonly rng: SeededRandom;

  constructor(
    readonly merchantId: string,
    private readonly program: ActiveProgram,
    seed = 42,
  ) {
    this.rng = new SeededRandom(seed);
  }

  /** One customer's life: enrolment, consents, 5–60 purchases over two years, visits, a refund or two. */
  customer(n: number, sealedProfile: string): StreamEvents {
    const customerId = `c${n}`;
    let state: CustomerState = customerDecider.initialState();
    const events: DomainEvent[] = [];
    let at = START + this.rng.int(0, 300) * DAY;
    const decide = (command: CustomerCommand, when: number) => {
      const decided = customerDecider.decide(command, state, { now: new Date(when).toISOString(), timeZone: 'Europe/Paris', currency: 'EUR', program: this.program });
      for (const e of decided) state = evolveCustomer(state, e);
      events.push(...decided);
    };
    const b2b = this.rng.next() < 0.08;
    decide(
      {
        type: 'EnrolCustomer',
        data: {
          customerId, customerType: b2b ? 'b2b' : 'b2c', businessCategory: b2b ? 'restaurant' : null, storeId: 'halles', externalId: null, locale: 'fr-FR',
          profile: sealedProfile, identityKeys: { email: hex64(n), phone: null }, source: 'pos',
          consents: this.rng.next() < 0.7 ? [{ channel: 'email', purpose: 'marketing', proof: { formVersion: 'v3' } }] : [],
        },
      } as CustomerCommand,
      at,
    );
    if (this.rng.next() < 0.4) decide({ type: 'GrantConsent', data: { channel: 'sms', purpose: 'marketing', source: 'pos', proof: { staffId: 's1' } } }, at + 60_000);
    const purchases = this.rng.int(2, 30);
    const purchaseIds: string[] = [];
    for (let k = 0; k < purchases; k++) {
      at += this.rng.int(1, 24) * DAY + this.rng.int(0, 8) * 3_600_000;
      const purchaseId = `p${n}-${k}`;
      const lines: PurchaseLine[] = Array.from({ length: this.rng.int(1, 3) }, (_, i) => {
        const quantity = this.rng.int(1, 6);
        const unit = this.rng.int(8, 60) * 100 + 50;
        return { lineNo: i + 1, sku: `SKU${this.rng.int(1, 800)}`, name: 'Côtes-du-Rhône 2022', category: CATEGORIES[this.rng.int(0, 5)]!, quantity, unitPriceCents: unit, discountCents: 0, promo: this.rng.next() < 0.1, totalCents: quantity * unit };
      });
      decide({ type: 'RecordPurchase', data: { purchaseId, customerId, storeId: 'halles', externalRef: null, channel: 'pos', currency: 'EUR', lines, totalCents: lines.reduce((s, l) => s + l.totalCents, 0), rewardIdsUsed: [], purchasedAt: new Date(at).toISOString() } }, at);
      purchaseIds.push(purchaseId);
      if (this.rng.next() < 0.15) decide({ type: 'RecordVisit', data: { visitId: `v${n}-${k}`, storeId: 'halles', kind: 'tasting', eventName: 'Dégustation', visitedAt: new Date(at + 3_600_000).toISOString() } }, at + 3_600_000);
      if (this.rng.next() < 0.03) {
        decide({ type: 'RefundPurchase', data: { purchaseId, refundId: `r${n}-${k}`, refundedAt: new Date(at + DAY).toISOString(), storeId: 'halles', reason: null } }, at + DAY);
      }
      if (k % 10 === 9) decide({ type: 'ReviewCustomer', data: {} }, at + 2 * DAY);
    }
    return { streamId: streams.customer(this.merchantId, customerId), events, at: new Date(at).toISOString() };
  }

  /** A campaign's decisions for a slice of customers, and the messages it queued (one stream each). */
  campaign(campaignId: string, customers: readonly number[]): StreamEvents[] {
    const at = new Date(START + 500 * DAY).toISOString();
    const decisions: DomainEvent[] = [];
    const messages: StreamEvents[] = [];
    for (const n of customers) {
      const customerId = `c${n}`;
      const roll = this.rng.next();
      const trigger = { kind: 'time', type: 'inactivity', eventId: null, eventType: null, schedule: 'inactivity, 60 days, at 10:00', period: '2026-01-01', description: 'inactive 60 days' } as const;
      const conditions = [{ expression: 'customer.segment == "at-risk"', value: { 'customer.segment': 'at-risk' }, passed: true, error: null }];
      if (roll < 0.15) {
        decisions.push({ type: 'MessageSuppressed', data: { campaignId, ruleVersion: 'v1', customerId, messageId: null, channel: 'email', reason: roll < 0.1 ? 'no-consent' : 'frequency-cap', detail: null, trigger, conditions, controls: [], channelReasons: [], suppressedAt: at } });
        continue;
      }
      const control = roll > 0.9;
      const messageId = control ? null : `m-${campaignId}-${n}`;
      decisions.push({ type: 'CampaignTriggered', data: { campaignId, ruleVersion: 'v1', customerId, trigger, conditions, controls: [], controlGroup: control, variant: null, channel: control ? null : 'email', channelReasons: [], messageId, actions: { bonusPoints: null, voucherId: null }, triggeredAt: at } });
      if (!messageId) continue;
      const m = { messageId, campaignId, customerId };
      const events: DomainEvent[] = [
        { type: 'MessageQueued', data: { ...m, ruleVersion: 'v1', channel: 'email', fallbackChannels: [], purpose: 'marketing', templateId: 'winback', templateVersion: '2', locale: 'fr-FR', scheduledFor: null, currency: 'EUR', estimatedCostCents: 1, voucher: null, queuedAt: at } },
        { type: 'MessageSent', data: { ...m, channel: 'email', provider: 'sendgrid', providerMessageId: `sg-${messageId}`, units: 1, currency: 'EUR', costCents: 1, sentAt: at } },
      ];
      if (this.rng.next() < 0.95) events.push({ type: 'MessageDelivered', data: { ...m, providerStatus: 'delivered', deliveredAt: at } });
      else events.push({ type: 'MessageFailed', data: { ...m, permanent: true, code: '550', reason: 'bounce', failedAt: at } });
      if (this.rng.next() < 0.3) events.push({ type: 'MessageOpened', data: { ...m, openedAt: at } });
      if (this.rng.next() < 0.08) events.push({ type: 'MessageClicked', data: { ...m, url: 'https://cave.example/offre', clickedAt: at } });
      messages.push({ streamId: streams.message(this.merchantId, messageId), events, at });
    }
    return [{ streamId: streams.campaign(this.merchantId, campaignId), events: decisions, at }, ...messages];
  }

  anonymousSale(n: number): StreamEvents {
    const at = new Date(START + this.rng.int(0, 700) * DAY + this.rng.int(0, 10) * 3_600_000).toISOString();
    const purchaseId = `x${n}`;
    const total = this.rng.int(5, 40) * 100;
    return {
      streamId: streams.anonymousSale(this.merchantId, purchaseId),
      events: [{ type: 'PurchaseRecorded', data: { purchaseId, customerId: null, storeId: 'halles', externalRef: null, channel: 'pos', currency: 'EUR', lines: [{ lineNo: 1, sku: 'SKU1', name: 'Bière', category: 'biere', quantity: 1, unitPriceCents: total, discountCents: 0, promo: false, totalCents: total }], totalCents: total, rewardIdsUsed: [], purchasedAt: at }, }],
      at,
    };
  }
}

function hex64(n: number): string {
  return n.toString(16).padStart(64, '0');
}
