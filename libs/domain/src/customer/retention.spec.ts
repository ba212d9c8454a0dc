import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import fc from 'fast-check';
import type { ActiveProgram } from '../program/program.schema.js';
import { DomainError } from '../shared/errors.js';
import type { CustomerCommand } from './customer.commands.js';
import { customerDecider, decideCustomerOutcome } from './customer.decide.js';
import { customerStateBytes } from './state-size.js';
import type { CustomerState, CustomerStreamEvent } from './customer.state.js';
import { activeProgram, at, clubInput, enrol, line, ofType, purchase, retainingDecider, stateView } from './customer.fixtures.js';
import { openPurchase } from './open-purchases.js';

const DAY = 86_400_000;
const START = Date.parse('2026-01-05T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** The club with a 30-day refund window, points valid 12 months, and no automatic voucher. */
const shortWindow = activeProgram({
  ...clubInput,
  refunds: { windowDays: 30 },
  expiry: { months: 12 },
  rewards: clubInput.rewards.map((reward) => ({ ...reward, autoIssue: false })),
});

/** Decides each command on the state the decider folds, from its own initial state, and keeps both. */
function live(decider = retainingDecider(shortWindow)) {
  let state: CustomerState = decider.initialState();
  const events: CustomerStreamEvent[] = [];
  return {
    get state() {
      return state;
    },
    events,
    decide(command: CustomerCommand, now: string, program: ActiveProgram = shortWindow): CustomerStreamEvent[] {
      const decided = decider.decide(command, state, at(now, program));
      for (const event of decided) state = decider.evolve(state, event);
      events.push(...decided);
      return decided;
    },
  };
}

/** A customer enrolled on 5 January 2026 who buys one 20 € bottle every day, for `days` days; `after[n]`: the state after n days. */
function dailyBuyer(days: number) {
  const customer = live();
  const after: CustomerState[] = [];
  customer.decide(enrol, iso(START - DAY));
  for (let d = 0; d < days; d++) {
    customer.decide(purchase(`p${d}`, iso(START + d * DAY), [line(1, 2000)]), iso(START + d * DAY));
    after.push(customer.state);
  }
  return { events: customer.events, state: customer.state, after };
}

describe('a customer who buys every day, as the engine keeps them', () => {
  it('holds no more after 1,500 days than after 500: what can no longer be refunded or counted is forgotten', () => {
    const { events, state: after1500, after } = dailyBuyer(1500);
    const after500 = after[499]!;
    if (after500.status !== 'active' || after1500.status !== 'active') throw new Error('both should be active');
    // 30 days of refunds and a week's grace; 12 months of spend; 12 months of lots (points still held).
    expect(after1500.purchases.byId.size).toBe(after500.purchases.byId.size);
    expect(after1500.purchases.byId.size).toBeLessThanOrEqual(40);
    expect(after1500.spend.size).toBe(after500.spend.size);
    expect(after1500.lots.byId.size).toBe(after500.lots.byId.size);
    expect(after1500.ids.size).toBe(after500.ids.size);
    expect(customerStateBytes(after1500)).toBe(customerStateBytes(after500));
    // Folded keeping everything, the same history holds every purchase.
    const everything = events.reduce(customerDecider.evolve, customerDecider.initialState());
    expect(everything.status === 'active' && everything.purchases.byId.size).toBe(1500);
    expect(customerStateBytes(everything)).toBeGreaterThan(4 * customerStateBytes(after1500));
  });

  it('weighs more, by the estimate, with each purchase it must keep', () => {
    const small = dailyBuyer(5).state;
    const larger = dailyBuyer(20).state;
    expect(customerStateBytes(larger) - customerStateBytes(small)).toBeGreaterThan(15 * 300);
  });
});

describe('a purchase and its refund window (30 days)', () => {
  const bought = () => {
    const customer = live();
    customer.decide(enrol, '2026-01-04T10:00:00.000Z');
    customer.decide(purchase('p1', '2026-01-10T10:00:00.000Z', [line(1, 5000)]), '2026-01-10T10:00:00.000Z');
    return customer;
  };
  const refund = (refundId: string, refundedAt: string, purchaseId = 'p1'): CustomerCommand => ({
    type: 'RefundPurchase',
    data: { purchaseId, refundId, refundedAt, storeId: 'store-1', reason: null },
  });

  it('is refunded up to its last day, 9 February, and no later', () => {
    const spec = deciderSpec(retainingDecider(shortWindow));
    const given = spec.given(bought().events);
    given.when(refund('r1', '2026-02-09T22:59:59.000Z'), at('2026-02-09T22:59:59.000Z', shortWindow)).thenEvents((events) => expect(ofType(events, 'PurchaseRefunded')).toHaveLength(1));
    given.when(refund('r1', '2026-02-09T23:00:00.000Z'), at('2026-02-09T23:00:00.000Z', shortWindow)).thenThrows('refund-window-closed', { purchaseId: 'p1', closedAt: '2026-02-09T23:00:00.000Z' });
  });

  it('takes a refund dated within the window and reported two days after it closed', () => {
    const customer = bought();
    customer.decide(purchase('p2', '2026-02-11T10:00:00.000Z', [line(1, 1000)]), '2026-02-11T10:00:00.000Z');
    const decided = customer.decide(refund('r1', '2026-02-08T10:00:00.000Z'), '2026-02-11T11:00:00.000Z');
    expect(ofType(decided, 'PointsAdjusted')[0]).toMatchObject({ points: -50, sourceId: 'p1' });
  });

  it('is forgotten once the customer is dated a week past the window, and can no longer be found to refund', () => {
    const customer = bought();
    customer.decide(purchase('p2', '2026-02-15T10:00:00.000Z', [line(1, 1000)]), '2026-02-15T10:00:00.000Z');
    expect(customer.state.status === 'active' && openPurchase(customer.state.purchases, 'p1')).toBeTruthy();
    customer.decide(purchase('p3', '2026-02-18T10:00:00.000Z', [line(1, 1000)]), '2026-02-18T10:00:00.000Z');
    expect(customer.state.status === 'active' && openPurchase(customer.state.purchases, 'p1')).toBeUndefined();
    expect(() => customer.decide(refund('r1', '2026-02-05T10:00:00.000Z'), '2026-02-18T11:00:00.000Z')).toThrow(
      expect.objectContaining({ code: 'purchase-not-found' }),
    );
  });
});

describe('ids, refused for good long after what they named is forgotten', () => {
  const LATER = '2029-03-01T10:00:00.000Z';
  /** 2026: a refund, a visit, an adjustment, a redemption and an absorbed duplicate; then three years of nothing but a purchase. */
  const longAgo = () => {
    const customer = live(retainingDecider(shortWindow));
    customer.decide(enrol, '2026-01-04T10:00:00.000Z');
    customer.decide(purchase('p1', '2026-01-10T10:00:00.000Z', [line(1, 90000)]), '2026-01-10T10:00:00.000Z');
    customer.decide({ type: 'RefundPurchase', data: { purchaseId: 'p1', refundId: 'r1', refundedAt: '2026-01-11T10:00:00.000Z', lines: [{ lineNo: 1, quantity: 1 }], storeId: 'store-1', reason: null } }, '2026-01-11T10:00:00.000Z');
    customer.decide(purchase('p2', '2026-01-12T10:00:00.000Z', [line(1, 90000)]), '2026-01-12T10:00:00.000Z');
    customer.decide({ type: 'RecordVisit', data: { visitId: 'v1', storeId: null, kind: 'tasting', eventName: null, visitedAt: '2026-01-13T18:00:00.000Z' } }, '2026-01-13T18:00:00.000Z');
    customer.decide({ type: 'AdjustPoints', data: { adjustmentId: 'a1', points: 10, reason: 'manual', sourceId: null, note: null } }, '2026-01-14T10:00:00.000Z');
    customer.decide({ type: 'RedeemReward', data: { redemptionId: 'rd1', rewardCode: 'bon-10' } }, '2026-01-15T10:00:00.000Z');
    customer.decide({ type: 'RedeemReward', data: { redemptionId: 'rd2', rewardCode: 'bon-10' } }, '2026-01-15T10:00:00.000Z');
    customer.decide(purchase('p3', '2026-01-20T10:00:00.000Z', [line(1, 1000)], { rewardIdsUsed: ['rd2'] }), '2026-01-20T10:00:00.000Z');
    customer.decide({ type: 'AbsorbCustomer', data: { mergedId: 'dup', transferred: { lots: [], debtPoints: 0, refundablePurchases: [], spend: [], rewards: [] }, mergedAt: '2026-01-21T10:00:00.000Z' } }, '2026-01-21T10:00:00.000Z');
    customer.decide(purchase('p4', '2029-02-28T10:00:00.000Z', [line(1, 90000)]), '2029-02-28T10:00:00.000Z');
    return customer;
  };
  const spec = deciderSpec(retainingDecider(shortWindow));

  it('has forgotten the purchases and rewards of 2026', () => {
    const { state } = longAgo();
    if (state.status !== 'active') throw new Error('active');
    expect([...state.purchases.byId.keys()]).toEqual(['p4']);
    expect(state.rewards.byId.size).toBe(0);
  });

  it('refuses a refund id used three years ago, on another purchase', () => {
    spec
      .given(longAgo().events)
      .when({ type: 'RefundPurchase', data: { purchaseId: 'p4', refundId: 'r1', refundedAt: LATER, storeId: 'store-1', reason: null } }, at(LATER, shortWindow))
      .thenThrows('refund-already-recorded', { refundId: 'r1' });
  });

  it('refuses a visit id, an adjustment id and a redemption id used three years ago', () => {
    const given = spec.given(longAgo().events);
    given.when({ type: 'RecordVisit', data: { visitId: 'v1', storeId: null, kind: 'tasting', eventName: null, visitedAt: LATER } }, at(LATER, shortWindow)).thenThrows('visit-already-recorded');
    given.when({ type: 'AdjustPoints', data: { adjustmentId: 'a1', points: 5, reason: 'manual', sourceId: null, note: null } }, at(LATER, shortWindow)).thenThrows('adjustment-already-recorded');
    given.when({ type: 'RedeemReward', data: { redemptionId: 'rd1', rewardCode: 'bon-10' } }, at(LATER, shortWindow)).thenThrows('redemption-already-recorded');
  });

  it('absorbs a duplicate absorbed three years ago no second time', () => {
    spec
      .given(longAgo().events)
      .when({ type: 'AbsorbCustomer', data: { mergedId: 'dup', transferred: { lots: [{ lotId: 'x', remaining: 500, earnedAt: LATER, expiresAt: null }], debtPoints: 0, refundablePurchases: [], spend: [], rewards: [] }, mergedAt: LATER } }, at(LATER, shortWindow))
      .thenNothingHappened();
  });

  it('still says why a reward forgotten long ago cannot be used: used, or expired', () => {
    const given = spec.given(longAgo().events);
    given.when(purchase('p5', LATER, [line(1, 1000)], { rewardIdsUsed: ['rd2'] }), at(LATER, shortWindow)).thenThrows('reward-not-usable', { reason: 'already-used' });
    given.when(purchase('p5', LATER, [line(1, 1000)], { rewardIdsUsed: ['rd1'] }), at(LATER, shortWindow)).thenThrows('reward-not-usable', { reason: 'expired' });
    given.when(purchase('p5', LATER, [line(1, 1000)], { rewardIdsUsed: ['nope'] }), at(LATER, shortWindow)).thenThrows('reward-not-usable', { reason: 'unknown' });
  });
});

describe('a visit dated more than 30 days before the decision', () => {
  it('is recorded without points; one dated 30 days before earns', () => {
    const enrolled = live();
    enrolled.decide(enrol, '2026-01-04T10:00:00.000Z');
    const given = deciderSpec(retainingDecider(shortWindow)).given(enrolled.events);
    const visit = (visitId: string, visitedAt: string): CustomerCommand => ({ type: 'RecordVisit', data: { visitId, storeId: null, kind: 'tasting', eventName: null, visitedAt } });
    given.when(visit('late', '2026-01-31T18:00:00.000Z'), at('2026-03-03T10:00:00.000Z', shortWindow)).thenEvents((events) => expect(events.map((e) => e.type)).toEqual(['VisitRecorded']));
    given.when(visit('in-time', '2026-02-01T18:00:00.000Z'), at('2026-03-03T10:00:00.000Z', shortWindow)).thenEvents((events) => expect(ofType(events, 'PointsEarned')).toHaveLength(1));
  });
});

// Commands over three years, the clock moving on by hours to months between them: what the engine's
// state forgets must never change a decision.
type Step =
  | { kind: 'buy'; gapHours: number; euros: number; useReward: number | null }
  | { kind: 'refund'; gapHours: number; pick: number; part: boolean }
  | { kind: 'visit'; gapHours: number; daysBack: number }
  | { kind: 'redeem'; gapHours: number }
  | { kind: 'adjust'; gapHours: number; points: number }
  | { kind: 'review'; gapHours: number };

const gap = fc.oneof(fc.integer({ min: 0, max: 48 }), fc.integer({ min: 24, max: 24 * 120 }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('buy' as const), gapHours: gap, euros: fc.integer({ min: 1, max: 400 }), useReward: fc.option(fc.nat(20), { freq: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), gapHours: gap, pick: fc.nat(50), part: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('visit' as const), gapHours: gap, daysBack: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeem' as const), gapHours: gap }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('adjust' as const), gapHours: gap, points: fc.integer({ min: -300, max: 300 }).filter((n) => n !== 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('review' as const), gapHours: gap }) },
);

type Outcome = { events: CustomerStreamEvent[] } | { refused: string; details: unknown };

describe('the state the engine keeps', () => {
  it('decides every command exactly as the state that forgets nothing, and each decision leads to the state its events fold to', () => {
    const program = activeProgram({ ...clubInput, refunds: { windowDays: 20 }, tiers: { ...clubInput.tiers, windowMonths: 3, guaranteeMonths: 1 } });
    const kept = retainingDecider(program);
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => {
        let now = Date.parse('2026-01-05T09:00:00.000Z');
        const context = () => at(iso(now), program);
        let everything: CustomerState = customerDecider.decide(enrol, customerDecider.initialState(), context()).reduce(customerDecider.evolve, customerDecider.initialState());
        let retained: CustomerState = customerDecider.decide(enrol, kept.initialState(), context()).reduce(customerDecider.evolve, kept.initialState());
        const bought: string[] = [];
        const rewards: string[] = [];
        steps.forEach((s, i) => {
          now += s.gapHours * 3_600_000;
          const command = commandOf(s, i, iso(now), bought, rewards);
          const a = outcomeOf(command, everything, context());
          const b = outcomeOf(command, retained, context());
          expect(normalised(b.outcome)).toEqual(normalised(a.outcome));
          everything = a.state;
          retained = b.state;
          if ('events' in a.outcome) {
            for (const e of ofType(a.outcome.events, 'RewardIssued')) rewards.push(e.rewardId);
            if (command.type === 'RecordPurchase') bought.push(command.data.purchaseId);
          }
        });
      }),
      { numRuns: 100 },
    );
  });
});

function commandOf(s: Step, i: number, now: string, bought: readonly string[], rewards: readonly string[]): CustomerCommand {
  switch (s.kind) {
    case 'buy': {
      const rewardIdsUsed = s.useReward !== null && rewards.length > 0 ? [rewards[s.useReward % rewards.length]!] : [];
      return purchase(`p${i}`, now, [line(1, s.euros * 100, { category: i % 3 === 0 ? 'champagne' : null }), line(2, 700, { quantity: 2, unitPriceCents: 350 })], { rewardIdsUsed });
    }
    case 'refund':
      return {
        type: 'RefundPurchase',
        data: { purchaseId: bought.length > 0 ? bought[s.pick % bought.length]! : 'none', refundId: `r${i}`, refundedAt: now, storeId: 'store-1', reason: null, ...(s.part ? { lines: [{ lineNo: 2, quantity: 1 }] } : {}) },
      };
    case 'visit':
      return { type: 'RecordVisit', data: { visitId: `v${i}`, storeId: null, kind: 'tasting', eventName: null, visitedAt: iso(Date.parse(now) - s.daysBack * DAY) } };
    case 'redeem':
      return { type: 'RedeemReward', data: { redemptionId: `rd${i}`, rewardCode: 'bon-10' } };
    case 'adjust':
      return { type: 'AdjustPoints', data: { adjustmentId: `a${i}`, points: s.points, reason: 'correction', sourceId: null, note: null } };
    case 'review':
      return { type: 'ReviewCustomer', data: {} };
  }
}

function outcomeOf(command: CustomerCommand, state: CustomerState, context: ReturnType<typeof at>): { outcome: Outcome; state: CustomerState } {
  try {
    const decided = decideCustomerOutcome(command, state, context);
    // The state a decision hands back is the state its events fold to.
    expect(stateView(decided.state)).toEqual(stateView(decided.events.reduce(customerDecider.evolve, state)));
    return { outcome: { events: decided.events }, state: decided.state };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { outcome: { refused: error.code, details: error.details }, state };
  }
}

/** A purchase past its window is refused either way: as closed, or (forgotten) as not found, which the engine reports as closed. */
function normalised(outcome: Outcome): Outcome {
  if ('refused' in outcome && (outcome.refused === 'refund-window-closed' || outcome.refused === 'purchase-not-found')) {
    return { refused: 'not-refundable', details: { purchaseId: (outcome.details as { purchaseId: string }).purchaseId } };
  }
  return outcome;
}
