import type { PurchaseRecord } from '../events/loyalty-state.js';
import { instantMs } from '../shared/instants.js';
import { compareStrings, SortedMap } from '../shared/sorted-map.js';

type DateKey = readonly [purchasedMs: number, purchaseId: string];

const compareDateKeys = (a: DateKey, b: DateKey): number => a[0] - b[0] || compareStrings(a[1], b[1]);
const dateKeyOf = (record: PurchaseRecord): DateKey => [instantMs(record.purchasedAt), record.purchaseId];

/**
 * The purchases a refund may still reach: by id (refunds name their purchase) and by date (the oldest
 * leave first), with how many lines they hold together (for the state's size).
 */
export interface OpenPurchases {
  readonly byId: SortedMap<string, PurchaseRecord>;
  readonly byDate: SortedMap<DateKey, true>;
  readonly lines: number;
}

export const NO_PURCHASES: OpenPurchases = {
  byId: SortedMap.empty(compareStrings),
  byDate: SortedMap.empty(compareDateKeys),
  lines: 0,
};

export function openPurchase(purchases: OpenPurchases, purchaseId: string): PurchaseRecord | undefined {
  return purchases.byId.get(purchaseId);
}

/** Adds a purchase, or replaces the record of one already open (its refunds, its points). */
export function withPurchase(purchases: OpenPurchases, record: PurchaseRecord): OpenPurchases {
  const held = purchases.byId.get(record.purchaseId);
  const moved = held !== undefined && held.purchasedAt !== record.purchasedAt;
  const byDate = moved ? purchases.byDate.delete(dateKeyOf(held)) : purchases.byDate;
  return {
    byId: purchases.byId.set(record.purchaseId, record),
    byDate: held && !moved ? byDate : byDate.set(dateKeyOf(record), true),
    lines: purchases.lines - (held?.lines.length ?? 0) + record.lines.length,
  };
}

/** Changes an open purchase's record; a purchase no longer open is left alone. */
export function updatePurchase(
  purchases: OpenPurchases,
  purchaseId: string | null,
  change: (record: PurchaseRecord) => PurchaseRecord,
): OpenPurchases {
  const held = purchaseId === null ? undefined : purchases.byId.get(purchaseId);
  return held ? withPurchase(purchases, change(held)) : purchases;
}

/** Forgets the purchases dated before `before` (ms): the oldest first, so each is read once. */
export function closePurchasesBefore(purchases: OpenPurchases, before: number): OpenPurchases {
  let { byId, byDate, lines } = purchases;
  for (let oldest = byDate.first(); oldest && oldest[0][0] < before; oldest = byDate.first()) {
    const [key] = oldest;
    lines -= byId.get(key[1])?.lines.length ?? 0;
    byId = byId.delete(key[1]);
    byDate = byDate.delete(key);
  }
  return byDate === purchases.byDate ? purchases : { byId, byDate, lines };
}

/** The open purchases, oldest first. */
export function openPurchasesOf(purchases: OpenPurchases): PurchaseRecord[] {
  return [...purchases.byDate.keys()].map(([, purchaseId]) => purchases.byId.get(purchaseId)!);
}
