import type { EventData } from '../events/catalog.js';
import type { PurchaseLine } from '../events/purchase.events.js';
import { Program, type ActiveProgram, type ProgramInput } from '../program/program.schema.js';
import { lotsOf } from '../program/points-lots.js';
import type { Decider } from '../shared/decider.js';
import type { CustomerCommand, CustomerCommandOf } from './customer.commands.js';
import { customerFolder } from './customer-folder.js';
import { customerDecider } from './customer.decide.js';
import type { CustomerState, CustomerStreamEvent } from './customer.state.js';
import type { CustomerContext } from './decision.js';
import { openPurchasesOf } from './open-purchases.js';
import { rewardsOf } from './reward-book.js';

// Test data for the customer specs: the program of the issue, a customer, tickets and contexts.

export const CUSTOMER = 'cust-1';
export const PARIS = 'Europe/Paris';

export const clubInput = {
  name: 'Le Club de la Cave',
  earn: {
    perEuro: 1,
    categoryMultipliers: { champagne: 2, spiritueux: 1.5 },
    promoLines: 'excluded',
    visits: { points: 5, kinds: ['tasting'], maxPerDay: 1 },
  },
  tiers: {
    windowMonths: 12,
    guaranteeMonths: 12,
    downgrade: 'to-qualifying',
    levels: [
      { id: 'decouverte', name: 'Découverte', minSpendCents: 0 },
      { id: 'amateur', name: 'Amateur', minSpendCents: 30000, earnMultiplier: 1.25 },
      { id: 'connaisseur', name: 'Connaisseur', minSpendCents: 100000, earnMultiplier: 1.5 },
    ],
  },
  rewards: [
    { id: 'bon-10', name: "Bon d'achat de 10 €", kind: 'voucher', costPoints: 200, valueCents: 1000, validityDays: 90, autoIssue: true },
    { id: 'magnum-offert', name: 'Magnum offert', kind: 'product', costPoints: 900, minTier: 'connaisseur', validityDays: 60 },
  ],
  expiry: { months: 24 },
} satisfies ProgramInput;

export function activeProgram(input: ProgramInput, version = 'v1'): ActiveProgram {
  return { version, definition: Program.parse(input) };
}

export const club = activeProgram(clubInput);
/** The same club without the automatic voucher, for tests about balances. */
export const clubWithoutAutoIssue = activeProgram({
  ...clubInput,
  rewards: clubInput.rewards.map((reward) => ({ ...reward, autoIssue: false })),
});

export function at(now: string, program: ActiveProgram = club): CustomerContext {
  return { now, timeZone: PARIS, currency: 'EUR', program };
}

export function line(lineNo: number, totalCents: number, extra: Partial<PurchaseLine> = {}): PurchaseLine {
  return {
    lineNo,
    sku: `SKU-${lineNo}`,
    name: `Article ${lineNo}`,
    category: null,
    quantity: 1,
    unitPriceCents: totalCents,
    discountCents: 0,
    promo: false,
    totalCents,
    ...extra,
  };
}

export function purchase(
  purchaseId: string,
  purchasedAt: string,
  lines: PurchaseLine[],
  extra: Partial<CustomerCommandOf<'RecordPurchase'>['data']> = {},
): CustomerCommandOf<'RecordPurchase'> {
  return {
    type: 'RecordPurchase',
    data: {
      purchaseId,
      customerId: CUSTOMER,
      storeId: 'store-1',
      externalRef: null,
      channel: 'pos',
      currency: 'EUR',
      lines,
      totalCents: lines.reduce((sum, l) => sum + l.totalCents, 0),
      rewardIdsUsed: [],
      purchasedAt,
      ...extra,
    },
  };
}

export const enrol: CustomerCommandOf<'EnrolCustomer'> = {
  type: 'EnrolCustomer',
  data: {
    customerId: CUSTOMER,
    customerType: 'b2c',
    businessCategory: null,
    storeId: 'store-1',
    externalId: null,
    locale: 'fr-FR',
    profile: 'pii:v1:aXY:Y2lwaGVy',
    identityKeys: { email: 'a'.repeat(64), phone: null },
    source: 'pos',
    consents: [],
  },
};

/** Events as the decider itself records them: the history of a test, command by command. */
export function history(...steps: [CustomerCommand, CustomerContext][]): CustomerStreamEvent[] {
  const events: CustomerStreamEvent[] = [];
  for (const [command, context] of steps) {
    let state = customerDecider.initialState();
    for (const event of events) state = customerDecider.evolve(state, event);
    events.push(...customerDecider.decide(command, state, context));
  }
  return events;
}

export function enrolledAt(now: string, program: ActiveProgram = club): CustomerStreamEvent[] {
  return history([enrol, at(now, program)]);
}

export function ofType<T extends CustomerStreamEvent['type']>(events: CustomerStreamEvent[], type: T): EventData<T>[] {
  return events.filter((e): e is Extract<CustomerStreamEvent, { type: T }> => e.type === type).map((e) => e.data as EventData<T>);
}

/** The decider as the engine folds for `program`: what the program's decisions need, and no more. */
export function retainingDecider(program: ActiveProgram = club): Decider<CustomerState, CustomerCommand, CustomerStreamEvent, CustomerContext> {
  return { ...customerDecider, initialState: customerFolder(program.definition).initialState };
}

/** A state as plain data, to compare two states whatever the shape of their trees. */
export function stateView(state: CustomerState): unknown {
  if (state.status !== 'active') return state;
  const { lots, purchases, spend, earnedVisits, rewards, ids, retention: _retention, ...rest } = state;
  return {
    ...rest,
    lots: lotsOf(lots),
    purchases: openPurchasesOf(purchases),
    spend: [...spend.entries()],
    earnedVisits: [...earnedVisits.entries()],
    rewards: rewardsOf(rewards),
    ids: [...ids.keys()],
  };
}
