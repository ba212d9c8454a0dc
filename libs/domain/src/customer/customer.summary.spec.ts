import { describe, expect, it } from '@jest/globals';
import { fold } from '../shared/decider.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance, customerSummary } from './customer.summary.js';
import { at, club, CUSTOMER, enrol, history, line, purchase } from './customer.fixtures.js';

/** 250 € on 1 February 2026: still Découverte (Amateur is at 300 €), one automatic voucher, 50 points left. */
const events = history([enrol, at('2026-01-10T10:00:00.000Z')], [purchase('p1', '2026-02-01T10:00:00.000Z', [line(1, 25000)]), at('2026-02-01T10:00:00.000Z')]);
const state = fold(customerDecider, events);

describe('the summary of an active customer', () => {
  it('shows balance, lots, tier, the spend to the next tier and the rewards', () => {
    const summary = customerSummary(state, at('2026-03-01T10:00:00.000Z'));
    expect(summary).toMatchObject({
      status: 'active',
      customerId: CUSTOMER,
      balance: 50,
      debtPoints: 0,
      lots: [{ lotId: 'purchase:p1', remaining: 50 }],
      tier: { id: 'decouverte', name: 'Découverte' },
      nextTier: { id: 'amateur', name: 'Amateur', missingCents: 5000 },
      rollingSpend: { windowStart: '2025-02-28T23:00:00.000Z', spendCents: 25000 },
      rewards: [{ rewardId: 'p1-auto-1', rewardCode: 'bon-10', name: "Bon d'achat de 10 €", status: 'issued' }],
    });
  });

  it('shows a voucher past its date as expired and lots past theirs as gone, before any sweep', () => {
    const summary = customerSummary(state, at('2028-03-01T10:00:00.000Z', club));
    expect(summary).toMatchObject({ balance: 0, lots: [], rewards: [{ status: 'expired' }] });
    expect(customerBalance(state)).toBe(50);
    expect(customerBalance(state, '2028-03-01T10:00:00.000Z')).toBe(0);
  });
});

describe('the summary of a merged customer', () => {
  it('names the survivor', () => {
    const merged = fold(customerDecider, [...events, ...customerDecider.decide({ type: 'MergeInto', data: { survivorId: 'cust-9' } }, state, at('2026-03-01T10:00:00.000Z'))]);
    expect(customerSummary(merged, at('2026-03-01T10:00:00.000Z'))).toEqual({ status: 'merged', customerId: CUSTOMER, survivorId: 'cust-9' });
    expect(customerBalance(merged)).toBe(0);
  });
});
