import { sql, type Sql } from '@relance/platform';
import type { ProjectionContext } from '../projection.js';
import { columns } from './columns.js';
import type { MessagePatch } from './message-patch.js';

const NAMES = ['m', 'id', 'campaign', 'customer', 'channel', 'template', 'version', 'locale', 'scheduled', 'currency', 'estimate', 'queued', 'sent', 'provider', 'pmid', 'units', 'cost', 'delivered', 'failed', 'fcode', 'freason', 'fperm', 'opened', 'clicked', 'clicks', 'rank', 'at'] as const;

/**
 * Upserts the messages and moves the campaign counts in one statement. Every sub-statement of a WITH
 * sees the rows as they were before it, so `before` gives each message's old state and a campaign
 * count moves only when a message reaches a state for the first time (a replay moves nothing).
 */
export function upsertMessages(patches: readonly MessagePatch[], context: ProjectionContext): Sql | null {
  if (patches.length === 0) return null;
  const r = columns(...NAMES);
  for (const p of patches) {
    r.push({
      m: p.merchantId, id: p.messageId, campaign: p.campaignId, customer: p.customerId, channel: p.channel, template: p.templateId,
      version: p.templateVersion, locale: p.locale, scheduled: p.scheduledFor, currency: p.currency, estimate: p.estimatedCostCents, queued: p.queuedAt,
      sent: p.sentAt, provider: p.provider, pmid: p.providerMessageId, units: p.units, cost: p.costCents, delivered: p.deliveredAt,
      failed: p.failedAt, fcode: p.failureCode, freason: p.failureReason, fperm: p.failurePermanent, opened: p.openedAt,
      clicked: p.clickedAt, clicks: p.clicks, rank: Math.max(1, p.rank), at: p.updatedAt,
    });
  }
  const g = (name: (typeof NAMES)[number]) => r.get(name);
  const messages = context.table('messages');
  return sql`
WITH p AS (
  SELECT * FROM unnest(${g('m')}::text[], ${g('id')}::text[], ${g('campaign')}::text[], ${g('customer')}::text[], ${g('channel')}::text[],
                       ${g('template')}::text[], ${g('version')}::text[], ${g('locale')}::text[], ${g('scheduled')}::timestamptz[],
                       ${g('currency')}::text[], ${g('estimate')}::bigint[], ${g('queued')}::timestamptz[], ${g('sent')}::timestamptz[], ${g('provider')}::text[],
                       ${g('pmid')}::text[], ${g('units')}::int[], ${g('cost')}::bigint[], ${g('delivered')}::timestamptz[],
                       ${g('failed')}::timestamptz[], ${g('fcode')}::text[], ${g('freason')}::text[], ${g('fperm')}::boolean[],
                       ${g('opened')}::timestamptz[], ${g('clicked')}::timestamptz[], ${g('clicks')}::bigint[], ${g('rank')}::smallint[],
                       ${g('at')}::timestamptz[])
    AS p(m, id, campaign, customer, channel, template, version, locale, scheduled, currency, estimate, queued, sent, provider, pmid, units, cost,
         delivered, failed, fcode, freason, fperm, opened, clicked, clicks, rank, at)
), before AS (
  SELECT o.merchant_id, o.message_id, o.queued_at, o.sent_at, o.delivered_at, o.failed_at, o.opened_at, o.clicked_at
    FROM ${messages} AS o JOIN p ON o.merchant_id = p.m AND o.message_id = p.id
), after AS (
  INSERT INTO ${messages} AS t (merchant_id, message_id, campaign_id, customer_id, channel, template_id, template_version, locale, status,
                                status_rank, scheduled_for, queued_at, sent_at, delivered_at, failed_at, failure_code, failure_reason,
                                failure_permanent, opened_at, clicked_at, clicks, provider, provider_message_id, units,
                                currency, estimated_cost_cents, cost_cents, updated_at)
  SELECT m, id, campaign, customer, channel, template, version, locale,
         (ARRAY['queued', 'sent', 'failed', 'delivered'])[rank], rank, scheduled, queued, sent, delivered, failed, fcode, freason, fperm,
         opened, clicked, clicks, provider, pmid, units, currency, estimate, cost, at
    FROM p
  ON CONFLICT (merchant_id, message_id) DO UPDATE SET
    campaign_id = COALESCE(t.campaign_id, EXCLUDED.campaign_id),
    customer_id = COALESCE(t.customer_id, EXCLUDED.customer_id),
    channel = COALESCE(EXCLUDED.channel, t.channel),
    template_id = COALESCE(t.template_id, EXCLUDED.template_id),
    template_version = COALESCE(t.template_version, EXCLUDED.template_version),
    locale = COALESCE(t.locale, EXCLUDED.locale),
    status = CASE WHEN EXCLUDED.status_rank > t.status_rank THEN EXCLUDED.status ELSE t.status END,
    status_rank = GREATEST(t.status_rank, EXCLUDED.status_rank),
    scheduled_for = COALESCE(EXCLUDED.scheduled_for, t.scheduled_for),
    queued_at = COALESCE(t.queued_at, EXCLUDED.queued_at),
    sent_at = COALESCE(t.sent_at, EXCLUDED.sent_at),
    delivered_at = COALESCE(t.delivered_at, EXCLUDED.delivered_at),
    failed_at = COALESCE(t.failed_at, EXCLUDED.failed_at),
    failure_code = CASE WHEN EXCLUDED.failed_at IS NULL THEN t.failure_code ELSE EXCLUDED.failure_code END,
    failure_reason = CASE WHEN EXCLUDED.failed_at IS NULL THEN t.failure_reason ELSE EXCLUDED.failure_reason END,
    failure_permanent = COALESCE(EXCLUDED.failure_permanent, t.failure_permanent),
    opened_at = COALESCE(t.opened_at, EXCLUDED.opened_at),
    clicked_at = COALESCE(t.clicked_at, EXCLUDED.clicked_at),
    clicks = t.clicks + EXCLUDED.clicks,
    provider = COALESCE(EXCLUDED.provider, t.provider),
    provider_message_id = COALESCE(EXCLUDED.provider_message_id, t.provider_message_id),
    units = COALESCE(EXCLUDED.units, t.units),
    currency = COALESCE(t.currency, EXCLUDED.currency),
    estimated_cost_cents = COALESCE(t.estimated_cost_cents, EXCLUDED.estimated_cost_cents),
    cost_cents = t.cost_cents + EXCLUDED.cost_cents,
    updated_at = EXCLUDED.updated_at
  RETURNING t.merchant_id, t.message_id, t.campaign_id, t.queued_at, t.sent_at, t.delivered_at, t.failed_at, t.opened_at, t.clicked_at
)
INSERT INTO ${context.table('campaign_results')} AS c (merchant_id, campaign_id, queued, sent, delivered, failed, opened, clicked, cost_cents)
SELECT a.merchant_id, a.campaign_id,
       count(*) FILTER (WHERE a.queued_at IS NOT NULL AND b.queued_at IS NULL),
       count(*) FILTER (WHERE a.sent_at IS NOT NULL AND b.sent_at IS NULL),
       count(*) FILTER (WHERE a.delivered_at IS NOT NULL AND b.delivered_at IS NULL),
       count(*) FILTER (WHERE a.failed_at IS NOT NULL AND b.failed_at IS NULL),
       count(*) FILTER (WHERE a.opened_at IS NOT NULL AND b.opened_at IS NULL),
       count(*) FILTER (WHERE a.clicked_at IS NOT NULL AND b.clicked_at IS NULL),
       sum(p.cost)
  FROM after AS a
  JOIN p ON p.m = a.merchant_id AND p.id = a.message_id
  LEFT JOIN before AS b ON b.merchant_id = a.merchant_id AND b.message_id = a.message_id
 WHERE a.campaign_id IS NOT NULL
 GROUP BY a.merchant_id, a.campaign_id
ON CONFLICT (merchant_id, campaign_id) DO UPDATE SET
  queued = c.queued + EXCLUDED.queued, sent = c.sent + EXCLUDED.sent, delivered = c.delivered + EXCLUDED.delivered,
  failed = c.failed + EXCLUDED.failed, opened = c.opened + EXCLUDED.opened, clicked = c.clicked + EXCLUDED.clicked,
  cost_cents = c.cost_cents + EXCLUDED.cost_cents`;
}
