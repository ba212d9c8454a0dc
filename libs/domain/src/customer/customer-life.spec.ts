import { describe, expect, it } from '@jest/globals';
import { parseEvent } from '../events/catalog.js';
import { customerDecider } from './customer.decide.js';
import type { CustomerState } from './customer.state.js';
import type { CustomerCommandOf } from './customer.commands.js';
import { at, CUSTOMER, enrol, history, line, purchase } from './customer.fixtures.js';

/** A long id, so that derived ids (`<purchaseId>-auto-<n>`) would overflow the 64 characters of an Id. */
const LONG = 'P'.repeat(64);

describe('a customer through a whole life of commands', () => {
  const events = history(
    [{ ...enrol, data: { ...enrol.data, consents: [{ channel: 'sms', purpose: 'marketing', proof: { staffId: 'emma' } }] } }, at('2026-01-10T10:00:00.000Z')],
    [purchase(LONG, '2026-01-15T10:00:00.000Z', [line(1, 45000, { category: 'champagne' }), line(2, 1000, { promo: true })]), at('2026-01-15T10:00:00.000Z')],
    [{ type: 'RecordVisit', data: { visitId: 'v1', storeId: null, kind: 'tasting', eventName: null, visitedAt: '2026-01-20T18:00:00.000Z' } }, at('2026-01-20T18:00:00.000Z')],
    [{ type: 'RefundPurchase', data: { purchaseId: LONG, refundId: 'r1', refundedAt: '2026-02-01T10:00:00.000Z', storeId: 'store-1', reason: null } }, at('2026-02-01T10:00:00.000Z')],
    [{ type: 'AdjustPoints', data: { adjustmentId: 'adj-1', points: 500, reason: 'correction', sourceId: null, note: null } } satisfies CustomerCommandOf<'AdjustPoints'>, at('2026-02-02T10:00:00.000Z')],
    [{ type: 'ReviewCustomer', data: {} }, at('2028-06-01T10:00:00.000Z')],
    [{ type: 'MergeInto', data: { survivorId: 'cust-9' } }, at('2028-06-02T10:00:00.000Z')],
  );

  it('decided only events that the catalog accepts as they are', () => {
    expect(new Set(events.map((e) => e.type)).size).toBeGreaterThanOrEqual(12);
    for (const event of events) expect(parseEvent(event.type, event.data)).toEqual(event);
  });

  it('derived automatic reward ids that are still valid ids, distinct from one another', () => {
    const ids = events.flatMap((e) => (e.type === 'RewardIssued' ? [e.data.rewardId] : []));
    expect(ids.length).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64);
    expect(events.some((e) => e.type === 'CustomersMergedV2' && e.data.mergedId === CUSTOMER)).toBe(true);
  });

  it('was folded without any event changing a state already built', () => {
    let state: CustomerState = deepFreeze(customerDecider.initialState());
    // A frozen object throws on assignment in strict mode: any mutation of a previous state fails here.
    for (const event of events) state = deepFreeze(customerDecider.evolve(state, event));
    expect(state).toEqual({ status: 'merged', customerId: CUSTOMER, survivorId: 'cust-9' });
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
