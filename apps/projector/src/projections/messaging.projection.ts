import { sql, type Sql } from '@relance/platform';
import { ofType, type Projection, type ProjectedEvent, type ProjectionContext } from '../projection.js';
import { columns, json } from './columns.js';
import { messagePatches } from './message-patch.js';
import { upsertMessages } from './messages.sql.js';

/**
 * messaging: messages (a status that never goes backwards), the decision audit (every trigger with
 * its conditions and channel, every suppression with its reason, trigger and conditions) and the
 * results per campaign, with the vouchers redeemed.
 *
 * Version 2: the settled campaign events (the channel of a triggered decision, the trigger and
 * conditions of a suppression; redemptions from VoucherRedeemed).
 */
export const messagingProjection: Projection = {
  name: 'messaging',
  version: 2,
  tables: ['messages', 'decision_audit', 'campaign_results', 'campaign_suppressions'],
  handles: [
    'CampaignTriggered',
    'MessageSuppressed',
    'MessageQueued',
    'MessageSent',
    'MessageDelivered',
    'MessageFailed',
    'MessageOpened',
    'MessageClicked',
    'VoucherRedeemed',
  ],
  apply(events, context) {
    return [decisions(events, context), upsertMessages(messagePatches(events), context), offers(events, context)].filter(
      (s): s is Sql => s !== null,
    );
  },
};

/** Audit rows keyed by event id; the campaign counts move only for rows inserted now. */
function decisions(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const r = columns('m', 'id', 'kind', 'campaign', 'version', 'c', 'message', 'trigger', 'conditions', 'control', 'variant', 'reason', 'channel', 'detail', 'at');
  for (const e of ofType(events, 'CampaignTriggered', 'MessageSuppressed')) {
    // A transactional message suppressed by delivery has no campaign: nothing to audit for one.
    if (e.data.campaignId === null) continue;
    const base = { m: e.metadata.merchantId, id: e.metadata.eventId, campaign: e.data.campaignId, version: e.data.ruleVersion ?? '', c: e.data.customerId, message: e.data.messageId, channel: e.data.channel };
    if (e.type === 'CampaignTriggered') {
      const d = e.data;
      r.push({ ...base, kind: 'triggered', trigger: json(d.trigger), conditions: json(d.conditions), control: d.controlGroup, variant: d.variant, reason: null, detail: null, at: d.triggeredAt });
    } else {
      const d = e.data;
      r.push({ ...base, kind: 'suppressed', trigger: d.trigger === null ? null : json(d.trigger), conditions: json(d.conditions), control: null, variant: null, reason: d.reason, detail: d.detail, at: d.suppressedAt });
    }
  }
  if (r.size === 0) return null;
  return sql`
WITH inserted AS (
  INSERT INTO ${context.table('decision_audit')} (merchant_id, event_id, kind, campaign_id, rule_version, customer_id, message_id, trigger,
                                                  conditions, control_group, variant, reason, channel, detail, occurred_at)
  SELECT m, id, k, ca, v, c, ms, tr::jsonb, co::jsonb, cg, va, re, ch, de, at
    FROM unnest(${r.get('m')}::text[], ${r.get('id')}::uuid[], ${r.get('kind')}::text[], ${r.get('campaign')}::text[], ${r.get('version')}::text[],
                ${r.get('c')}::text[], ${r.get('message')}::text[], ${r.get('trigger')}::text[], ${r.get('conditions')}::text[],
                ${r.get('control')}::boolean[], ${r.get('variant')}::text[], ${r.get('reason')}::text[], ${r.get('channel')}::text[],
                ${r.get('detail')}::text[], ${r.get('at')}::timestamptz[]) AS r(m, id, k, ca, v, c, ms, tr, co, cg, va, re, ch, de, at)
  ON CONFLICT (merchant_id, event_id) DO NOTHING
  RETURNING merchant_id, campaign_id, kind, control_group, reason
), results AS (
  INSERT INTO ${context.table('campaign_results')} AS c (merchant_id, campaign_id, triggered, control_group, suppressed)
  SELECT merchant_id, campaign_id, count(*) FILTER (WHERE kind = 'triggered'), count(*) FILTER (WHERE control_group),
         count(*) FILTER (WHERE kind = 'suppressed')
    FROM inserted GROUP BY 1, 2
  ON CONFLICT (merchant_id, campaign_id) DO UPDATE SET
    triggered = c.triggered + EXCLUDED.triggered, control_group = c.control_group + EXCLUDED.control_group,
    suppressed = c.suppressed + EXCLUDED.suppressed
)
INSERT INTO ${context.table('campaign_suppressions')} AS s (merchant_id, campaign_id, reason, count)
SELECT merchant_id, campaign_id, reason, count(*) FROM inserted WHERE kind = 'suppressed' GROUP BY 1, 2, 3
ON CONFLICT (merchant_id, campaign_id, reason) DO UPDATE SET count = s.count + EXCLUDED.count`;
}

function offers(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const totals = new Map<string, { m: string; campaign: string; count: number; discount: number }>();
  for (const e of ofType(events, 'VoucherRedeemed')) {
    const key = `${e.metadata.merchantId}\u0000${e.data.campaignId}`;
    const t = totals.get(key) ?? { m: e.metadata.merchantId, campaign: e.data.campaignId, count: 0, discount: 0 };
    t.count++;
    t.discount += e.data.discountCents;
    totals.set(key, t);
  }
  if (totals.size === 0) return null;
  const r = columns('m', 'campaign', 'count', 'discount');
  for (const t of totals.values()) r.push(t);
  return sql`
INSERT INTO ${context.table('campaign_results')} AS c (merchant_id, campaign_id, offers_redeemed, offer_discount_cents)
SELECT * FROM unnest(${r.get('m')}::text[], ${r.get('campaign')}::text[], ${r.get('count')}::bigint[], ${r.get('discount')}::bigint[])
ON CONFLICT (merchant_id, campaign_id) DO UPDATE SET
  offers_redeemed = c.offers_redeemed + EXCLUDED.offers_redeemed, offer_discount_cents = c.offer_discount_cents + EXCLUDED.offer_discount_cents`;
}
