import type { AppliedControl, ChannelReason, DecisionTrigger, EvaluatedCondition } from '@relance/domain';
import type pg from 'pg';

/** One decision about a customer, as its event recorded it. */
export interface ExplainedDecision {
  readonly eventId: string;
  readonly at: string;
  readonly campaignId: string;
  readonly ruleVersion: string;
  readonly outcome: 'triggered' | 'control-group' | 'suppressed';
  readonly reason: string | null;
  readonly detail: string | null;
  readonly trigger: DecisionTrigger | null;
  readonly conditions: readonly EvaluatedCondition[];
  readonly controls: readonly AppliedControl[];
  readonly channel: string | null;
  readonly channelReasons: readonly ChannelReason[];
  readonly messageId: string | null;
  readonly actions: { readonly bonusPoints: number | null; readonly voucherId: string | null } | null;
}

/*
 * Every decision about a customer, oldest first, read from the decision events themselves (the
 * campaign streams). Which events concern the customer comes from the decision audit the projector
 * builds from those events, and from the rules engine's own record of each decision's event id (the
 * audit may lag the log by a moment); what is shown is always the event's content.
 */
const DECISIONS = `
WITH ids AS (
  SELECT event_id FROM decision_audit WHERE merchant_id = $1 AND customer_id = $2 AND ($3::text IS NULL OR campaign_id = $3)
  UNION
  SELECT event_id FROM campaign_decisions WHERE merchant_id = $1 AND customer_id = $2 AND ($3::text IS NULL OR campaign_id = $3)
)
SELECT e.event_id::text, e.event_type, e.data, e.metadata->>'occurredAt' AS at
  FROM ids JOIN events e ON e.event_id = ids.event_id
 WHERE e.event_type IN ('CampaignTriggered', 'MessageSuppressed') AND e.stream_id LIKE 'campaign-%'
 ORDER BY e.metadata->>'occurredAt', e.global_position`;

export async function explainCustomer(db: pg.Pool, merchantId: string, customerId: string, campaignId: string | null): Promise<ExplainedDecision[]> {
  const { rows } = await db.query<{ event_id: string; event_type: string; data: Record<string, unknown>; at: string }>(DECISIONS, [merchantId, customerId, campaignId]);
  return rows.map(({ event_id, event_type, data, at }) => {
    const triggered = event_type === 'CampaignTriggered';
    return {
      eventId: event_id,
      at,
      campaignId: data.campaignId as string,
      ruleVersion: data.ruleVersion as string,
      outcome: triggered ? (data.controlGroup ? 'control-group' : 'triggered') : 'suppressed',
      reason: triggered ? null : (data.reason as string),
      detail: triggered ? null : ((data.detail as string | null) ?? null),
      trigger: (data.trigger as DecisionTrigger | null) ?? null,
      conditions: (data.conditions as EvaluatedCondition[]) ?? [],
      controls: (data.controls as AppliedControl[]) ?? [],
      channel: (data.channel as string | null) ?? null,
      channelReasons: (data.channelReasons as ChannelReason[]) ?? [],
      messageId: (data.messageId as string | null) ?? null,
      actions: triggered ? (data.actions as ExplainedDecision['actions']) : null,
    };
  });
}

/** The decisions as support staff read them: one block per decision, oldest first. */
export function formatExplanation(customerId: string, decisions: readonly ExplainedDecision[]): string {
  if (decisions.length === 0) return `No campaign decision about customer ${customerId}.`;
  const lines: string[] = [];
  for (const d of decisions) {
    const outcome = d.outcome === 'suppressed' ? `not sent: ${d.reason}${d.detail ? ` (${d.detail})` : ''}` : d.outcome === 'control-group' ? 'control group (recorded, nothing sent)' : `targeted${d.channel ? ` by ${d.channel}` : ''}`;
    lines.push(`${d.at}  ${d.campaignId}  rule ${d.ruleVersion.slice(0, 12)}  → ${outcome}`);
    if (d.trigger) lines.push(`  trigger: ${d.trigger.kind} ${d.trigger.type}, ${d.trigger.description}${d.trigger.eventId ? ` (event ${d.trigger.eventId})` : ''}, period ${d.trigger.period}`);
    for (const c of d.conditions) lines.push(`  condition ${c.passed ? 'passed' : 'failed'}: ${c.expression}  ${JSON.stringify(c.value)}${c.error ? ` — ${c.error}` : ''}`);
    for (const c of d.controls) lines.push(`  control ${c.control}: ${c.passed ? 'passed' : 'stopped it'}${c.detail ? ` — ${c.detail}` : ''}`);
    for (const r of d.channelReasons) lines.push(`  channel ${r.channel}: ${r.usable ? 'usable' : r.reason}${r.detail && !r.usable ? ` — ${r.detail}` : ''}`);
    if (d.messageId) lines.push(`  message ${d.messageId}`);
    if (d.actions?.bonusPoints) lines.push(`  bonus points: ${d.actions.bonusPoints}`);
    if (d.actions?.voucherId) lines.push(`  voucher ${d.actions.voucherId}`);
  }
  return lines.join('\n');
}
