import {
  customerFolder,
  decideCustomerOutcome,
  type ActiveProgram,
  type CustomerCommand,
  type CustomerCommandOf,
  type CustomerContext,
  type CustomerState,
  type CustomerStreamEvent,
  type PurchaseLine,
} from '@relance/domain';
import { SeededRandom } from './seeded-random.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The last purchase of every history is on this day: histories of any length end together. */
const END = Date.parse('2026-01-05T09:00:00.000Z');
const CATEGORIES = ['rouge', 'blanc', 'rose', 'champagne', 'spiritueux', 'biere'];
const CUSTOMER = 'c-bench';

/**
 * One customer who buys every day (a restaurant, or years of tickets from an import): `purchases`
 * tickets of 1–4 lines, one a day, the last on 5 January 2026, with a refund of the next day now and
 * then and a tasting visit once a week, each decided by the real customer decider (points, vouchers,
 * tiers, expiry). Deterministic.
 */
export class CustomerHistory {
  readonly events: CustomerStreamEvent[] = [];
  private state: CustomerState;
  private readonly rng = new SeededRandom(7);
  private readonly lastPurchaseAt: number;

  constructor(
    private readonly program: ActiveProgram,
    purchases: number,
  ) {
    this.state = customerFolder(program.definition).initialState();
    const start = END - (purchases - 1) * DAY;
    this.decide(
      {
        type: 'EnrolCustomer',
        data: {
          customerId: CUSTOMER, customerType: 'b2b', businessCategory: 'restaurant', storeId: 'halles', externalId: null, locale: 'fr-FR',
          profile: 'pii:v1:aXY:Y2lwaGVy', identityKeys: { email: 'b'.repeat(64), phone: null }, source: 'pos',
          consents: [{ channel: 'email', purpose: 'marketing', proof: { formVersion: 'v3' } }],
        },
      } as CustomerCommand,
      start - DAY,
    );
    let at = start;
    for (let k = 0; k < purchases; k++) {
      at = start + k * DAY + this.rng.int(0, 8) * HOUR;
      const command = this.purchase(`p-${k}`, at);
      this.decide(command, at);
      if (this.rng.next() < 0.02 && k < purchases - 1) {
        this.decide({ type: 'RefundPurchase', data: { purchaseId: `p-${k}`, refundId: `r-${k}`, refundedAt: new Date(at + 2 * HOUR).toISOString(), storeId: 'halles', reason: null } }, at + 2 * HOUR);
      }
      if (k % 7 === 3) {
        this.decide({ type: 'RecordVisit', data: { visitId: `v-${k}`, storeId: 'halles', kind: 'tasting', eventName: 'Dégustation', visitedAt: new Date(at + 3 * HOUR).toISOString() } }, at + 3 * HOUR);
      }
    }
    this.lastPurchaseAt = at;
  }

  /** The i-th purchase after the history (a day after its last one), for timing decisions on it. */
  nextPurchase(i: number): CustomerCommandOf<'RecordPurchase'> {
    return this.purchase(`next-${i}`, this.lastPurchaseAt + DAY + i * 60_000);
  }

  contextAt(now: string): CustomerContext {
    return { now, timeZone: 'Europe/Paris', currency: 'EUR', program: this.program };
  }

  private decide(command: CustomerCommand, at: number): void {
    const decided = decideCustomerOutcome(command, this.state, this.contextAt(new Date(at).toISOString()));
    this.state = decided.state;
    this.events.push(...decided.events);
  }

  private purchase(purchaseId: string, at: number): CustomerCommandOf<'RecordPurchase'> {
    const lines: PurchaseLine[] = Array.from({ length: this.rng.int(1, 4) }, (_, i) => {
      const quantity = this.rng.int(1, 6);
      const unit = this.rng.int(8, 60) * 100 + 50;
      return { lineNo: i + 1, sku: `SKU${this.rng.int(1, 800)}`, name: 'Côtes-du-Rhône 2022', category: CATEGORIES[this.rng.int(0, 5)]!, quantity, unitPriceCents: unit, discountCents: 0, promo: this.rng.next() < 0.1, totalCents: quantity * unit };
    });
    return {
      type: 'RecordPurchase',
      data: { purchaseId, customerId: CUSTOMER, storeId: 'halles', externalRef: null, channel: 'pos', currency: 'EUR', lines, totalCents: lines.reduce((s, l) => s + l.totalCents, 0), rewardIdsUsed: [], purchasedAt: new Date(at).toISOString() },
    };
  }
}
