import type { LotDebit, PointsLot } from '../events/loyalty-state.js';
import { instantMs } from '../shared/instants.js';
import { compareStrings, SortedMap } from '../shared/sorted-map.js';

/** Where a lot stands in the burn order: its expiry (never-expiring last), its earning, its id. */
type BurnKey = readonly [expiresMs: number, earnedMs: number, lotId: string];

const compareBurnKeys = (a: BurnKey, b: BurnKey): number => a[0] - b[0] || a[1] - b[1] || compareStrings(a[2], b[2]);

const burnKeyOf = (lot: PointsLot): BurnKey => [lot.expiresAt === null ? Infinity : instantMs(lot.expiresAt), instantMs(lot.earnedAt), lot.lotId];

/**
 * A customer's lots with points left: by id (events debit lots by id) and in burn order (first to
 * expire first, never-expiring last, then oldest first, the lot id breaking ties), with their total.
 * Immutable: every change is a new book sharing what did not change, O(log n) per lot touched.
 */
export interface LotBook {
  readonly byId: SortedMap<string, PointsLot>;
  readonly byBurn: SortedMap<BurnKey, string>;
  /** What the lots hold together. */
  readonly points: number;
}

export const EMPTY_LOTS: LotBook = {
  byId: SortedMap.empty(compareStrings),
  byBurn: SortedMap.empty(compareBurnKeys),
  points: 0,
};

export function lotBookOf(lots: readonly PointsLot[]): LotBook {
  return lots.reduce(addLot, EMPTY_LOTS);
}

/**
 * A lot with points joins the book (one without points does not). Lot ids are unique within a
 * customer; should a merge bring a lot whose id the survivor already holds, the points go together
 * under that id, so that a debit of the id finds them all, as the read models count them.
 */
export function addLot(book: LotBook, lot: PointsLot): LotBook {
  if (lot.remaining <= 0) return book;
  const held = book.byId.get(lot.lotId);
  const merged = held ? { ...held, remaining: held.remaining + lot.remaining } : lot;
  const byBurn = held ? book.byBurn : book.byBurn.set(burnKeyOf(lot), lot.lotId);
  return { byId: book.byId.set(lot.lotId, merged), byBurn, points: book.points + lot.remaining };
}

/** The book after debits (lots left empty leave it); debits of lots it does not hold change nothing. */
export function debitLots(book: LotBook, debits: readonly LotDebit[]): LotBook {
  let { byId, byBurn, points } = book;
  for (const debit of debits) {
    const lot = byId.get(debit.lotId);
    if (!lot) continue;
    const taken = Math.min(lot.remaining, debit.points);
    points -= taken;
    if (taken === lot.remaining) {
      byId = byId.delete(lot.lotId);
      byBurn = byBurn.delete(burnKeyOf(lot));
    } else {
      byId = byId.set(lot.lotId, { ...lot, remaining: lot.remaining - taken });
    }
  }
  return { byId, byBurn, points };
}

/** The lots in burn order. */
export function* lotsInBurnOrder(book: LotBook): Generator<PointsLot> {
  for (const lotId of book.byBurn.values()) yield book.byId.get(lotId)!;
}

/** A plain list of the lots with points left, in burn order. */
export function lotsOf(book: LotBook): PointsLot[] {
  return [...lotsInBurnOrder(book)];
}

export interface LotDebitPlan {
  readonly debits: LotDebit[];
  /** What the lots could not cover: it becomes debt when it may (a clawback), a refusal otherwise. */
  readonly shortfall: number;
}

/**
 * Debits `points` from the lots in burn order, starting with `firstLotId` when given (a refund takes
 * back its own lot first). Reads only the lots it takes from.
 */
export function planDebit(book: LotBook, points: number, firstLotId: string | null = null): LotDebitPlan {
  const debits: LotDebit[] = [];
  let left = points;
  const take = (lot: PointsLot): void => {
    const taken = Math.min(lot.remaining, left);
    debits.push({ lotId: lot.lotId, points: taken });
    left -= taken;
  };
  const own = firstLotId === null ? undefined : book.byId.get(firstLotId);
  if (own && left > 0) take(own);
  for (const lot of lotsInBurnOrder(book)) {
    if (left === 0) break;
    if (lot !== own) take(lot);
  }
  return { debits, shortfall: left };
}

/** Lots whose expiry has come at `now` (expiresAt ≤ now), in burn order: the front of the book. */
export function lotsDueToExpire(book: LotBook, now: string): PointsLot[] {
  const nowMs = instantMs(now);
  const due: PointsLot[] = [];
  for (const [[expiresMs], lotId] of book.byBurn.entries()) {
    if (expiresMs > nowMs) break;
    due.push(book.byId.get(lotId)!);
  }
  return due;
}

/** Points usable now: what the lots hold minus the debt left by clawbacks (negative while in debt). */
export function pointsBalance(book: LotBook, debtPoints: number): number {
  return book.points - debtPoints;
}
