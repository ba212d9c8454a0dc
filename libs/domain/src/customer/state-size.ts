import type { CustomerState } from './customer.state.js';

// Rough V8 heap costs (64-bit, compressed pointers) of an immutable tree node, a record and the
// strings it owns. Checked against the heap that states folded from the histories of `relance bench
// decide` take (20 to 3,000 purchases: 40 to 1,050 kB, within 20 %): enough to budget a cache by.
const BASE = 1_500;
const TREE_NODE = 48;
const NUMBER_KEY = 16;
const TUPLE_KEY = 64;
const ID = 48;
const OPEN_PURCHASE = 2 * TREE_NODE + TUPLE_KEY + 200;
const PURCHASE_LINE = 48;
const LOT = 2 * TREE_NODE + TUPLE_KEY + 160;
const REWARD = 2 * TREE_NODE + TUPLE_KEY + 200;
const CONSENT = 120;

/**
 * An estimate of what a customer state holds in memory, in bytes, in O(1): from the sizes its
 * collections keep, not by walking them. A shell budgets its cache of states with it.
 */
export function customerStateBytes(state: CustomerState): number {
  if (state.status !== 'active') return 200;
  return (
    BASE +
    state.profile.length +
    state.consents.length * CONSENT +
    state.purchases.byId.size * OPEN_PURCHASE +
    state.purchases.lines * PURCHASE_LINE +
    (state.spend.size + state.earnedVisits.size) * (TREE_NODE + NUMBER_KEY) +
    state.lots.byId.size * LOT +
    state.rewards.byId.size * REWARD +
    state.ids.size * (TREE_NODE + ID)
  );
}
