import type { LotDebit } from '@relance/domain';
import { ofType, type ProjectedEvent, type ProjectedEventOf } from '../projection.js';

type PointsEvent = ProjectedEventOf<'PointsEarned' | 'PointsRedeemed' | 'PointsExpired' | 'PointsAdjusted' | 'CustomersMergedV2'>;

export interface LedgerRow {
  merchantId: string;
  eventId: string;
  customerId: string;
  kind: 'earned' | 'redeemed' | 'expired' | 'adjusted' | 'transferred-in' | 'transferred-out';
  points: number;
  debtChange: number;
  lotId: string | null;
  debits: readonly LotDebit[];
  reason: string | null;
  sourceId: string | null;
  at: string;
}

/** A lot as this batch leaves it: created here (`created`), or only changed here. */
export interface LotChange {
  merchantId: string;
  customerId: string;
  lotId: string;
  created: { points: number; earnedAt: string; expiresAt: string | null } | null;
  debited: number;
  expired: number;
  transferredAt: string | null;
}

export interface BalanceChange {
  merchantId: string;
  customerId: string;
  balance: number;
  debt: number;
  earned: number;
  redeemed: number;
  expired: number;
  adjusted: number;
  /** Merged away: holds nothing any more (nothing can follow a merge on that stream). */
  closed: boolean;
  at: string;
}

/** Every points movement of a batch, as the write side decided it: lots, debits, debts and transfers. */
export class PointsMovements {
  readonly ledger: LedgerRow[] = [];
  readonly lots = new Map<string, LotChange>();
  readonly balances = new Map<string, BalanceChange>();

  constructor(events: readonly ProjectedEvent[]) {
    for (const e of ofType(events, 'PointsEarned', 'PointsRedeemed', 'PointsExpired', 'PointsAdjusted', 'CustomersMergedV2')) this.add(e);
  }

  private add(e: PointsEvent): void {
    const m = e.metadata.merchantId;
    const eventId = e.metadata.eventId;
    switch (e.type) {
      case 'PointsEarned': {
        const d = e.data;
        this.ledger.push(entry(m, eventId, d.customerId, 'earned', d.points, -d.debtRepaid, d.lotId, NO_DEBITS, d.reason, d.sourceId, d.earnedAt));
        this.create(m, d.customerId, d.lotId, d.points - d.debtRepaid, d.earnedAt, d.expiresAt);
        const b = this.balance(m, d.customerId, d.earnedAt);
        b.balance += d.points;
        b.debt -= d.debtRepaid;
        b.earned += d.points;
        return;
      }
      case 'PointsRedeemed': {
        const d = e.data;
        this.ledger.push(entry(m, eventId, d.customerId, 'redeemed', -d.points, 0, null, d.lots, null, d.redemptionId, d.redeemedAt));
        for (const debit of d.lots) this.lot(m, d.customerId, debit.lotId).debited += debit.points;
        const b = this.balance(m, d.customerId, d.redeemedAt);
        b.balance -= d.points;
        b.redeemed += d.points;
        return;
      }
      case 'PointsExpired': {
        const d = e.data;
        this.ledger.push(entry(m, eventId, d.customerId, 'expired', -d.points, 0, d.lotId, NO_DEBITS, null, null, d.expiredAt));
        this.lot(m, d.customerId, d.lotId).expired += d.points;
        const b = this.balance(m, d.customerId, d.expiredAt);
        b.balance -= d.points;
        b.expired += d.points;
        return;
      }
      case 'PointsAdjusted': {
        const d = e.data;
        const lotId = d.points > 0 ? (d.lotId ?? d.adjustmentId) : null;
        this.ledger.push(entry(m, eventId, d.customerId, 'adjusted', d.points, d.debtPoints, lotId, d.lots, d.reason, d.sourceId, d.adjustedAt));
        if (lotId) this.create(m, d.customerId, lotId, d.points, d.adjustedAt, d.expiresAt);
        for (const debit of d.lots) this.lot(m, d.customerId, debit.lotId).debited += debit.points;
        const b = this.balance(m, d.customerId, d.adjustedAt);
        b.balance += d.points;
        b.debt += d.debtPoints;
        b.adjusted += d.points;
        return;
      }
      case 'CustomersMergedV2': {
        const d = e.data;
        const held = d.transferred.lots.reduce((sum, lot) => sum + lot.remaining, 0) - d.transferred.debtPoints;
        if (d.role === 'survivor') {
          this.ledger.push(entry(m, eventId, d.survivorId, 'transferred-in', held, d.transferred.debtPoints, null, NO_DEBITS, null, d.mergedId, d.mergedAt));
          for (const lot of d.transferred.lots) if (lot.remaining > 0) this.create(m, d.survivorId, lot.lotId, lot.remaining, lot.earnedAt, lot.expiresAt);
          const b = this.balance(m, d.survivorId, d.mergedAt);
          b.balance += held;
          b.debt += d.transferred.debtPoints;
        } else {
          this.ledger.push(entry(m, eventId, d.mergedId, 'transferred-out', -held, -d.transferred.debtPoints, null, NO_DEBITS, null, d.survivorId, d.mergedAt));
          for (const lot of d.transferred.lots) this.lot(m, d.mergedId, lot.lotId).transferredAt = d.mergedAt;
          this.balance(m, d.mergedId, d.mergedAt).closed = true;
        }
        return;
      }
    }
  }

  private lot(merchantId: string, customerId: string, lotId: string): LotChange {
    const key = `${merchantId}\u0000${customerId}\u0000${lotId}`;
    let lot = this.lots.get(key);
    if (!lot) this.lots.set(key, (lot = { merchantId, customerId, lotId, created: null, debited: 0, expired: 0, transferredAt: null }));
    return lot;
  }

  private create(merchantId: string, customerId: string, lotId: string, points: number, earnedAt: string, expiresAt: string | null): void {
    // A lot whose points all repaid a debt holds nothing: the write side drops it too.
    if (points > 0) this.lot(merchantId, customerId, lotId).created = { points, earnedAt, expiresAt };
  }

  private balance(merchantId: string, customerId: string, at: string): BalanceChange {
    const key = `${merchantId}\u0000${customerId}`;
    let b = this.balances.get(key);
    if (!b) this.balances.set(key, (b = { merchantId, customerId, balance: 0, debt: 0, earned: 0, redeemed: 0, expired: 0, adjusted: 0, closed: false, at }));
    b.at = at;
    return b;
  }
}

const NO_DEBITS: readonly LotDebit[] = [];

function entry(
  merchantId: string,
  eventId: string,
  customerId: string,
  kind: LedgerRow['kind'],
  points: number,
  debtChange: number,
  lotId: string | null,
  debits: readonly LotDebit[],
  reason: string | null,
  sourceId: string | null,
  at: string,
): LedgerRow {
  return { merchantId, eventId, customerId, kind, points, debtChange, lotId, debits, reason, sourceId, at };
}
