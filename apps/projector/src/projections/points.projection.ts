import { sql, type Sql } from '@relance/platform';
import { handling, type Projection, type ProjectionContext } from '../projection.js';
import { columns, json } from './columns.js';
import { PointsMovements } from './points-movements.js';

/** points: the ledger (one row per movement), the lots with what remains of each, and the balances. */
export const pointsProjection: Projection = {
  name: 'points',
  version: 1,
  tables: ['points_ledger', 'points_lots', 'points_balances'],
  handles: handling('PointsEarned', 'PointsRedeemed', 'PointsExpired', 'PointsAdjusted', 'CustomersMergedV2'),
  apply(events, context) {
    const movements = new PointsMovements(events);
    return [ledger(movements, context), newLots(movements, context), changedLots(movements, context), ...balances(movements, context)].filter(
      (s): s is Sql => s !== null,
    );
  },
};

function ledger({ ledger }: PointsMovements, context: ProjectionContext): Sql | null {
  if (ledger.length === 0) return null;
  const r = columns('m', 'id', 'c', 'kind', 'points', 'debt', 'lot', 'debits', 'reason', 'source', 'at');
  for (const row of ledger) {
    r.push({ m: row.merchantId, id: row.eventId, c: row.customerId, kind: row.kind, points: row.points, debt: row.debtChange, lot: row.lotId, debits: json(row.debits), reason: row.reason, source: row.sourceId, at: row.at });
  }
  return sql`
INSERT INTO ${context.table('points_ledger')} (merchant_id, event_id, customer_id, kind, points, debt_change, lot_id, debits, reason, source_id, occurred_at)
SELECT m, id, c, k, p, d, l, de::jsonb, re, so, at
  FROM unnest(${r.get('m')}::text[], ${r.get('id')}::uuid[], ${r.get('c')}::text[], ${r.get('kind')}::text[], ${r.get('points')}::bigint[],
              ${r.get('debt')}::bigint[], ${r.get('lot')}::text[], ${r.get('debits')}::text[], ${r.get('reason')}::text[],
              ${r.get('source')}::text[], ${r.get('at')}::timestamptz[]) AS r(m, id, c, k, p, d, l, de, re, so, at)
ON CONFLICT (merchant_id, event_id) DO NOTHING`;
}

/** Lots formed in this batch, with whatever the batch already burnt from them. */
function newLots({ lots }: PointsMovements, context: ProjectionContext): Sql | null {
  const r = columns('m', 'c', 'lot', 'points', 'remaining', 'expired', 'earned', 'expires', 'transferred');
  for (const lot of lots.values()) {
    if (!lot.created) continue;
    const remaining = lot.transferredAt ? 0 : Math.max(0, lot.created.points - lot.debited - lot.expired);
    r.push({ m: lot.merchantId, c: lot.customerId, lot: lot.lotId, points: lot.created.points, remaining, expired: lot.expired, earned: lot.created.earnedAt, expires: lot.created.expiresAt, transferred: lot.transferredAt });
  }
  if (r.size === 0) return null;
  return sql`
INSERT INTO ${context.table('points_lots')} (merchant_id, customer_id, lot_id, points, remaining, expired_points, earned_at, expires_at, transferred_at)
SELECT * FROM unnest(${r.get('m')}::text[], ${r.get('c')}::text[], ${r.get('lot')}::text[], ${r.get('points')}::bigint[], ${r.get('remaining')}::bigint[],
                     ${r.get('expired')}::bigint[], ${r.get('earned')}::timestamptz[], ${r.get('expires')}::timestamptz[], ${r.get('transferred')}::timestamptz[])
ON CONFLICT (merchant_id, customer_id, lot_id) DO NOTHING`;
}

/** Lots formed earlier that this batch burnt, expired or handed over in a merge. */
function changedLots({ lots }: PointsMovements, context: ProjectionContext): Sql | null {
  const r = columns('m', 'c', 'lot', 'debited', 'expired', 'transferred');
  for (const lot of lots.values()) {
    if (lot.created) continue;
    r.push({ m: lot.merchantId, c: lot.customerId, lot: lot.lotId, debited: lot.debited, expired: lot.expired, transferred: lot.transferredAt });
  }
  if (r.size === 0) return null;
  return sql`
UPDATE ${context.table('points_lots')} AS l
   SET remaining = CASE WHEN u.tr IS NOT NULL THEN 0 ELSE GREATEST(0, l.remaining - u.de - u.ex) END,
       expired_points = l.expired_points + u.ex,
       transferred_at = COALESCE(u.tr, l.transferred_at)
  FROM unnest(${r.get('m')}::text[], ${r.get('c')}::text[], ${r.get('lot')}::text[], ${r.get('debited')}::bigint[], ${r.get('expired')}::bigint[],
              ${r.get('transferred')}::timestamptz[]) AS u(m, c, lot, de, ex, tr)
 WHERE l.merchant_id = u.m AND l.customer_id = u.c AND l.lot_id = u.lot`;
}

function balances({ balances }: PointsMovements, context: ProjectionContext): Sql[] {
  if (balances.size === 0) return [];
  const r = columns('m', 'c', 'balance', 'debt', 'earned', 'redeemed', 'expired', 'adjusted', 'at');
  for (const b of balances.values()) r.push({ m: b.merchantId, c: b.customerId, balance: b.balance, debt: b.debt, earned: b.earned, redeemed: b.redeemed, expired: b.expired, adjusted: b.adjusted, at: b.at });
  const t = context.table('points_balances');
  const statements = [
    sql`
INSERT INTO ${t} AS b (merchant_id, customer_id, balance, debt, earned_total, redeemed_total, expired_total, adjusted_total, updated_at)
SELECT * FROM unnest(${r.get('m')}::text[], ${r.get('c')}::text[], ${r.get('balance')}::bigint[], ${r.get('debt')}::bigint[], ${r.get('earned')}::bigint[],
                     ${r.get('redeemed')}::bigint[], ${r.get('expired')}::bigint[], ${r.get('adjusted')}::bigint[], ${r.get('at')}::timestamptz[])
ON CONFLICT (merchant_id, customer_id) DO UPDATE
   SET balance = b.balance + EXCLUDED.balance, debt = b.debt + EXCLUDED.debt,
       earned_total = b.earned_total + EXCLUDED.earned_total, redeemed_total = b.redeemed_total + EXCLUDED.redeemed_total,
       expired_total = b.expired_total + EXCLUDED.expired_total, adjusted_total = b.adjusted_total + EXCLUDED.adjusted_total,
       updated_at = EXCLUDED.updated_at`,
  ];
  const closed = [...balances.values()].filter((b) => b.closed);
  if (closed.length > 0) {
    statements.push(sql`
UPDATE ${t} AS b SET balance = 0, debt = 0
  FROM unnest(${closed.map((b) => b.merchantId)}::text[], ${closed.map((b) => b.customerId)}::text[]) AS x(m, c)
 WHERE b.merchant_id = x.m AND b.customer_id = x.c`);
  }
  return statements;
}
