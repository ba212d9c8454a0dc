import { upcast } from '@relance/domain';
import { sql } from '@relance/platform';
import type { Projection, ProjectedEvent, ProjectionContext } from '../projection.js';
import { columns } from './columns.js';

const MEASURES = [
  'purchases_identified',
  'purchases_anonymous',
  'revenue_identified_cents',
  'revenue_anonymous_cents',
  'items_sold',
  'refunds',
  'refunded_cents',
  'new_customers',
  'visits',
  'points_earned',
  'points_redeemed',
  'points_expired',
  'rewards_issued',
  'rewards_redeemed',
  'messages_sent',
  'message_cost_cents',
] as const;
type Measure = (typeof MEASURES)[number];
/** `currency`: the one of the day's amounts, from the first event of the day that carries one (null on a day without). */
type Day = Record<Measure, number> & { merchantId: string; date: string; currency: string | null };

/**
 * kpis: daily figures per merchant, each event counted on the local date (merchant's time zone) of
 * its business time, amounts with their currency. Additive, so it relies on the runner's checkpoint
 * for exactly-once effect.
 */
export const kpisProjection: Projection = {
  name: 'kpis',
  version: 1,
  tables: ['daily_kpis'],
  handles: [
    'PurchaseRecorded',
    'PurchaseRefunded',
    'CustomerEnrolled',
    'VisitRecorded',
    'PointsEarned',
    'PointsRedeemed',
    'PointsExpired',
    'RewardIssued',
    'RewardRedeemed',
    'MessageSent',
  ],
  apply(events, context) {
    const days = new Map<string, Day>();
    const count = (e: ProjectedEvent, at: string, measures: Partial<Record<Measure, number>>, currency: string | null = null) => {
      const merchantId = e.metadata.merchantId;
      const date = context.localDate(merchantId, at);
      const key = `${merchantId}\u0000${date}`;
      let day = days.get(key);
      if (!day) days.set(key, (day = { merchantId, date, currency: null, ...(Object.fromEntries(MEASURES.map((m) => [m, 0])) as Record<Measure, number>) }));
      for (const measure in measures) day[measure as Measure] += measures[measure as Measure]!;
      day.currency ??= currency;
    };
    // Read as today's types: a refund or message cost stored before it said its currency reads as EUR.
    for (const e of events) tally(upcast(e) as ProjectedEvent, count);
    if (days.size === 0) return [];
    return [upsert([...days.values()], context)];
  },
};

type Count = (e: ProjectedEvent, at: string, measures: Partial<Record<Measure, number>>, currency?: string) => void;

function tally(e: ProjectedEvent, count: Count): void {
  switch (e.type) {
    case 'PurchaseRecorded': {
      const d = e.data;
      const items = d.lines.reduce((sum, l) => sum + l.quantity, 0);
      if (d.customerId === null) count(e, d.purchasedAt, { purchases_anonymous: 1, revenue_anonymous_cents: d.totalCents, items_sold: items }, d.currency);
      else count(e, d.purchasedAt, { purchases_identified: 1, revenue_identified_cents: d.totalCents, items_sold: items }, d.currency);
      return;
    }
    case 'PurchaseRefunded':
      return count(e, e.data.refundedAt, { refunds: 1, refunded_cents: e.data.amountCents }, e.data.currency);
    case 'CustomerEnrolled':
      return count(e, e.data.enrolledAt, { new_customers: 1 });
    case 'VisitRecorded':
      return count(e, e.data.visitedAt, { visits: 1 });
    case 'PointsEarned':
      return count(e, e.data.earnedAt, { points_earned: e.data.points });
    case 'PointsRedeemed':
      return count(e, e.data.redeemedAt, { points_redeemed: e.data.points });
    case 'PointsExpired':
      return count(e, e.data.expiredAt, { points_expired: e.data.points });
    case 'RewardIssued':
      return count(e, e.data.issuedAt, { rewards_issued: 1 });
    case 'RewardRedeemed':
      return count(e, e.data.redeemedAt, { rewards_redeemed: 1 });
    case 'MessageSent':
      return count(e, e.data.sentAt, { messages_sent: 1, message_cost_cents: e.data.costCents }, e.data.currency);
    default:
      return;
  }
}

function upsert(days: Day[], context: ProjectionContext) {
  const r = columns<'merchantId' | 'date' | 'currency' | Measure>('merchantId', 'date', 'currency', ...MEASURES);
  for (const day of days) r.push(day);
  const m = (name: Measure) => r.get(name);
  return sql`
INSERT INTO ${context.table('daily_kpis')} AS k (merchant_id, local_date, currency, purchases_identified, purchases_anonymous, revenue_identified_cents,
       revenue_anonymous_cents, items_sold, refunds, refunded_cents, new_customers, visits, points_earned, points_redeemed, points_expired,
       rewards_issued, rewards_redeemed, messages_sent, message_cost_cents)
SELECT * FROM unnest(${r.get('merchantId')}::text[], ${r.get('date')}::date[], ${r.get('currency')}::text[], ${m('purchases_identified')}::bigint[], ${m('purchases_anonymous')}::bigint[],
                     ${m('revenue_identified_cents')}::bigint[], ${m('revenue_anonymous_cents')}::bigint[], ${m('items_sold')}::bigint[],
                     ${m('refunds')}::bigint[], ${m('refunded_cents')}::bigint[], ${m('new_customers')}::bigint[], ${m('visits')}::bigint[],
                     ${m('points_earned')}::bigint[], ${m('points_redeemed')}::bigint[], ${m('points_expired')}::bigint[],
                     ${m('rewards_issued')}::bigint[], ${m('rewards_redeemed')}::bigint[], ${m('messages_sent')}::bigint[], ${m('message_cost_cents')}::bigint[])
ON CONFLICT (merchant_id, local_date) DO UPDATE SET
  currency = COALESCE(k.currency, EXCLUDED.currency),
  purchases_identified = k.purchases_identified + EXCLUDED.purchases_identified,
  purchases_anonymous = k.purchases_anonymous + EXCLUDED.purchases_anonymous,
  revenue_identified_cents = k.revenue_identified_cents + EXCLUDED.revenue_identified_cents,
  revenue_anonymous_cents = k.revenue_anonymous_cents + EXCLUDED.revenue_anonymous_cents,
  items_sold = k.items_sold + EXCLUDED.items_sold,
  refunds = k.refunds + EXCLUDED.refunds,
  refunded_cents = k.refunded_cents + EXCLUDED.refunded_cents,
  new_customers = k.new_customers + EXCLUDED.new_customers,
  visits = k.visits + EXCLUDED.visits,
  points_earned = k.points_earned + EXCLUDED.points_earned,
  points_redeemed = k.points_redeemed + EXCLUDED.points_redeemed,
  points_expired = k.points_expired + EXCLUDED.points_expired,
  rewards_issued = k.rewards_issued + EXCLUDED.rewards_issued,
  rewards_redeemed = k.rewards_redeemed + EXCLUDED.rewards_redeemed,
  messages_sent = k.messages_sent + EXCLUDED.messages_sent,
  message_cost_cents = k.message_cost_cents + EXCLUDED.message_cost_cents`;
}
