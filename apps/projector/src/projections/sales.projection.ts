import { sql, type Sql } from '@relance/platform';
import { handling, ofType, type Projection, type ProjectedEvent, type ProjectionContext } from '../projection.js';
import { columns, json } from './columns.js';

/**
 * sales: purchase facts and lines (anonymous sales have no customer), refunds and visits, each with
 * its local date in the merchant's time zone; purchases and refunds with their currency. Rows are keyed by the ids the events carry, and a refund
 * changes its purchase only when its own row is new: replaying a batch changes nothing.
 */
export const salesProjection: Projection = {
  name: 'sales',
  version: 1,
  tables: ['purchases', 'purchase_lines', 'refunds', 'visits'],
  handles: handling('PurchaseRecorded', 'PurchaseRefunded', 'VisitRecorded', 'CustomersMergedV2'),
  apply(events, context) {
    return [purchases(events, context), lines(events, context), refunds(events, context), visits(events, context), merges(events, context)].filter(
      (s): s is Sql => s !== null,
    );
  },
};

function purchases(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const r = columns('m', 'p', 'c', 'store', 'channel', 'currency', 'total', 'lines', 'items', 'promo', 'rewards', 'at', 'date', 'id');
  for (const e of ofType(events, 'PurchaseRecorded')) {
    const d = e.data;
    const m = e.metadata.merchantId;
    r.push({
      m,
      p: d.purchaseId,
      c: d.customerId,
      store: d.storeId,
      channel: d.channel,
      currency: d.currency,
      total: d.totalCents,
      lines: d.lines.length,
      items: d.lines.reduce((sum, l) => sum + l.quantity, 0),
      promo: d.lines.reduce((sum, l) => sum + (l.promo ? l.totalCents : 0), 0),
      rewards: d.rewardIdsUsed.length,
      at: d.purchasedAt,
      date: context.localDate(m, d.purchasedAt),
      id: e.metadata.eventId,
    });
  }
  if (r.size === 0) return null;
  return sql`
INSERT INTO ${context.table('purchases')} (merchant_id, purchase_id, customer_id, store_id, channel, currency, total_cents, line_count, item_count,
                                           promo_cents, rewards_used, purchased_at, local_date, event_id)
SELECT * FROM unnest(${r.get('m')}::text[], ${r.get('p')}::text[], ${r.get('c')}::text[], ${r.get('store')}::text[], ${r.get('channel')}::text[],
                     ${r.get('currency')}::text[], ${r.get('total')}::bigint[], ${r.get('lines')}::int[], ${r.get('items')}::int[], ${r.get('promo')}::bigint[], ${r.get('rewards')}::int[],
                     ${r.get('at')}::timestamptz[], ${r.get('date')}::date[], ${r.get('id')}::uuid[])
ON CONFLICT (merchant_id, purchase_id) DO NOTHING`;
}

function lines(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const r = columns('m', 'p', 'no', 'sku', 'name', 'category', 'qty', 'unit', 'discount', 'total', 'promo');
  for (const e of ofType(events, 'PurchaseRecorded')) {
    for (const l of e.data.lines) {
      r.push({ m: e.metadata.merchantId, p: e.data.purchaseId, no: l.lineNo, sku: l.sku, name: l.name, category: l.category, qty: l.quantity, unit: l.unitPriceCents, discount: l.discountCents, total: l.totalCents, promo: l.promo });
    }
  }
  if (r.size === 0) return null;
  return sql`
INSERT INTO ${context.table('purchase_lines')} (merchant_id, purchase_id, line_no, sku, name, category, quantity, unit_price_cents,
                                                discount_cents, total_cents, promo)
SELECT * FROM unnest(${r.get('m')}::text[], ${r.get('p')}::text[], ${r.get('no')}::int[], ${r.get('sku')}::text[], ${r.get('name')}::text[],
                     ${r.get('category')}::text[], ${r.get('qty')}::int[], ${r.get('unit')}::bigint[], ${r.get('discount')}::bigint[],
                     ${r.get('total')}::bigint[], ${r.get('promo')}::boolean[])
ON CONFLICT (merchant_id, purchase_id, line_no) DO NOTHING`;
}

function refunds(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const r = columns('m', 'refund', 'p', 'c', 'store', 'currency', 'amount', 'lines', 'reason', 'at', 'date', 'id');
  for (const e of ofType(events, 'PurchaseRefunded')) {
    const d = e.data;
    const m = e.metadata.merchantId;
    r.push({ m, refund: d.refundId, p: d.purchaseId, c: d.customerId, store: d.storeId, currency: d.currency, amount: d.amountCents, lines: json(d.lines), reason: d.reason, at: d.refundedAt, date: context.localDate(m, d.refundedAt), id: e.metadata.eventId });
  }
  if (r.size === 0) return null;
  const purchasesTable = context.table('purchases');
  const linesTable = context.table('purchase_lines');
  return sql`
WITH inserted AS (
  INSERT INTO ${context.table('refunds')} (merchant_id, refund_id, purchase_id, customer_id, store_id, currency, amount_cents, lines, reason,
                                          refunded_at, local_date, event_id)
  SELECT m, rf, p, c, st, cu, am, li::jsonb, re, at, dt, id
    FROM unnest(${r.get('m')}::text[], ${r.get('refund')}::text[], ${r.get('p')}::text[], ${r.get('c')}::text[], ${r.get('store')}::text[],
                ${r.get('currency')}::text[], ${r.get('amount')}::bigint[], ${r.get('lines')}::text[], ${r.get('reason')}::text[], ${r.get('at')}::timestamptz[],
                ${r.get('date')}::date[], ${r.get('id')}::uuid[]) AS r(m, rf, p, c, st, cu, am, li, re, at, dt, id)
  ON CONFLICT (merchant_id, refund_id) DO NOTHING
  RETURNING merchant_id, purchase_id, amount_cents, lines
), purchase_totals AS (
  UPDATE ${purchasesTable} AS p SET refunded_cents = p.refunded_cents + x.amount
    FROM (SELECT merchant_id, purchase_id, sum(amount_cents)::bigint AS amount FROM inserted GROUP BY 1, 2) AS x
   WHERE p.merchant_id = x.merchant_id AND p.purchase_id = x.purchase_id
)
UPDATE ${linesTable} AS l
   SET refunded_quantity = l.refunded_quantity + x.quantity, refunded_cents = l.refunded_cents + x.amount
  FROM (SELECT i.merchant_id, i.purchase_id, rl."lineNo" AS line_no, sum(rl.quantity)::int AS quantity, sum(rl."amountCents")::bigint AS amount
          FROM inserted i, jsonb_to_recordset(i.lines) AS rl("lineNo" int, quantity int, "amountCents" bigint)
         GROUP BY 1, 2, 3) AS x
 WHERE l.merchant_id = x.merchant_id AND l.purchase_id = x.purchase_id AND l.line_no = x.line_no`;
}

function visits(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const r = columns('m', 'v', 'c', 'store', 'kind', 'name', 'at', 'date', 'id');
  for (const e of ofType(events, 'VisitRecorded')) {
    const d = e.data;
    const m = e.metadata.merchantId;
    r.push({ m, v: d.visitId, c: d.customerId, store: d.storeId, kind: d.kind, name: d.eventName, at: d.visitedAt, date: context.localDate(m, d.visitedAt), id: e.metadata.eventId });
  }
  if (r.size === 0) return null;
  return sql`
INSERT INTO ${context.table('visits')} (merchant_id, visit_id, customer_id, store_id, kind, event_name, visited_at, local_date, event_id)
SELECT * FROM unnest(${r.get('m')}::text[], ${r.get('v')}::text[], ${r.get('c')}::text[], ${r.get('store')}::text[], ${r.get('kind')}::text[],
                     ${r.get('name')}::text[], ${r.get('at')}::timestamptz[], ${r.get('date')}::date[], ${r.get('id')}::uuid[])
ON CONFLICT (merchant_id, visit_id) DO NOTHING`;
}

/**
 * A merge hands the duplicate's purchases to the survivor: its RFM and spend then count them. All of
 * them, whatever the hand-over lists (it carries only the purchases still open for refunds): every
 * purchase the read model holds for the duplicate, those it had absorbed itself included.
 */
function merges(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const r = columns('m', 'from', 'to');
  for (const e of ofType(events, 'CustomersMergedV2')) {
    if (e.data.role === 'survivor') r.push({ m: e.metadata.merchantId, from: e.data.mergedId, to: e.data.survivorId });
  }
  if (r.size === 0) return null;
  return sql`
UPDATE ${context.table('purchases')} AS p SET customer_id = x.to_id, merged_from = COALESCE(p.merged_from, x.from_id)
  FROM unnest(${r.get('m')}::text[], ${r.get('from')}::text[], ${r.get('to')}::text[]) AS x(m, from_id, to_id)
 WHERE p.merchant_id = x.m AND p.customer_id = x.from_id`;
}
