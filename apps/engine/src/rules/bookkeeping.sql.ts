import type { CampaignDecision, ContactHistory, EvaluationCandidate } from '@relance/domain';
import { budgetMonth } from '@relance/domain';
import type pg from 'pg';

/*
 * The controls' memory (migration 0063): decisions per key, marketing messages per customer, spend
 * per campaign and month. Read for a whole evaluation at once and written in the transaction that
 * appends the decisions' events, one statement each way: a rules batch runs its statements one after
 * the other on its transaction's connection, and on a busy machine each round trip costs as much as
 * a small query's work (measured: ~10 ms each, a dozen per batch), so they are kept few.
 */

export interface DecisionKey {
  readonly campaignId: string;
  readonly customerId: string;
  readonly period: string;
}

const keyOf = (k: DecisionKey) => `${k.campaignId}\u0000${k.customerId}\u0000${k.period}`;

export function isDecided(decided: ReadonlySet<string>, key: DecisionKey): boolean {
  return decided.has(keyOf(key));
}

/** What the controls know before deciding. */
export interface ControlsMemory {
  /** The keys among those asked about that some process decided already. */
  readonly decided: Set<string>;
  /** Per customer: earlier decisions that targeted them, and marketing messages within the window. */
  readonly histories: Map<string, ContactHistory>;
  /** Each campaign's estimated spend in the month, in thousandths of a minor unit. */
  readonly spent: Map<string, number>;
}

const CONTROLS_MEMORY = `
SELECT 'decided' AS kind, d.campaign_id, d.customer_id, d.period, NULL::text AS channel, NULL::timestamptz AS at, NULL::text AS milli
  FROM unnest($2::text[], $3::text[], $4::text[]) AS k(campaign_id, customer_id, period)
  JOIN campaign_decisions d ON d.merchant_id = $1 AND d.campaign_id = k.campaign_id AND d.customer_id = k.customer_id AND d.period = k.period
UNION ALL
SELECT 'decision', campaign_id, customer_id, period, NULL, decided_at, NULL FROM campaign_decisions
 WHERE merchant_id = $1 AND customer_id = ANY($5::text[]) AND outcome <> 'suppressed'
UNION ALL
SELECT 'message', campaign_id, customer_id, NULL, channel, queued_at, NULL FROM campaign_contacts
 WHERE merchant_id = $1 AND customer_id = ANY($5::text[]) AND queued_at > $6::timestamptz
UNION ALL
SELECT 'spend', campaign_id, NULL, NULL, NULL, NULL, milli_minor::text FROM campaign_spend
 WHERE merchant_id = $1 AND month = $7
ORDER BY at NULLS FIRST`;

/**
 * The controls' memory for an evaluation, in one statement: which of `keys` are decided already, the
 * histories of `customerIds` (messages queued after `messagesSince`), and the spend of the month of
 * `now` in the merchant's zone.
 */
export async function readControlsMemory(
  db: pg.PoolClient | pg.Pool,
  merchantId: string,
  keys: readonly DecisionKey[],
  customerIds: readonly string[],
  messagesSince: string,
  now: string,
  timeZone: string,
): Promise<ControlsMemory> {
  const { rows } = await db.query<{ kind: 'decided' | 'decision' | 'message' | 'spend'; campaign_id: string; customer_id: string; period: string; channel: string; at: Date; milli: string }>(
    CONTROLS_MEMORY,
    [merchantId, keys.map((k) => k.campaignId), keys.map((k) => k.customerId), keys.map((k) => k.period), customerIds, messagesSince, budgetMonth(now, timeZone)],
  );
  const memory: ControlsMemory = { decided: new Set(), histories: new Map(), spent: new Map() };
  const of = (id: string) => {
    let h = memory.histories.get(id) as { messages: ContactHistory['messages'][number][]; decisions: ContactHistory['decisions'][number][] } | undefined;
    if (!h) memory.histories.set(id, (h = { messages: [], decisions: [] }));
    return h;
  };
  // Oldest first within each kind (the statement's order), as the controls expect.
  for (const r of rows) {
    switch (r.kind) {
      case 'decided':
        memory.decided.add(keyOf({ campaignId: r.campaign_id, customerId: r.customer_id, period: r.period }));
        break;
      case 'decision':
        of(r.customer_id).decisions.push({ campaignId: r.campaign_id, period: r.period, at: r.at.toISOString() });
        break;
      case 'message':
        of(r.customer_id).messages.push({ campaignId: r.campaign_id, channel: r.channel as never, at: r.at.toISOString() });
        break;
      case 'spend':
        memory.spent.set(r.campaign_id, Number(r.milli));
        break;
    }
  }
  return memory;
}

/** Records the decisions in the bookkeeping tables (in the caller's transaction). */
export async function recordBookkeeping(
  db: pg.PoolClient,
  merchantId: string,
  timeZone: string,
  decisions: readonly { candidate: EvaluationCandidate; decision: CampaignDecision }[],
): Promise<void> {
  if (decisions.length === 0) return;
  const d = { campaign: [] as string[], customer: [] as string[], period: [] as string[], outcome: [] as string[], reason: [] as (string | null)[], id: [] as string[], at: [] as string[] };
  const m = { customer: [] as string[], message: [] as string[], campaign: [] as string[], channel: [] as string[], at: [] as string[] };
  const spend = new Map<string, number>();
  for (const { candidate, decision } of decisions) {
    const campaignId = candidate.campaign.definition.id;
    d.campaign.push(campaignId);
    d.customer.push(candidate.occurrence.customerId);
    d.period.push(candidate.occurrence.period);
    d.outcome.push(decision.outcome);
    d.reason.push(decision.reason);
    d.id.push(decision.ids.decisionEventId);
    d.at.push(candidate.now);
    if (decision.message?.marketing) {
      m.customer.push(candidate.occurrence.customerId);
      m.message.push(decision.message.messageId);
      m.campaign.push(campaignId);
      m.channel.push(decision.message.channel);
      m.at.push(candidate.now);
    }
    if (decision.costMilliMinor > 0) {
      const key = `${campaignId}\u0000${budgetMonth(candidate.now, timeZone)}`;
      spend.set(key, (spend.get(key) ?? 0) + decision.costMilliMinor);
    }
  }
  const entries = [...spend].map(([key, milli]) => [...key.split('\u0000'), milli] as [string, string, number]);
  // One statement: the three tables' rows together (an empty array inserts nothing).
  await db.query(
    `WITH decisions AS (
       INSERT INTO campaign_decisions (merchant_id, campaign_id, customer_id, period, outcome, reason, event_id, decided_at)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::timestamptz[])
       ON CONFLICT DO NOTHING
     ), contacts AS (
       INSERT INTO campaign_contacts (merchant_id, customer_id, message_id, campaign_id, channel, queued_at)
       SELECT $1, * FROM unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[])
       ON CONFLICT DO NOTHING
     )
     INSERT INTO campaign_spend AS s (merchant_id, campaign_id, month, milli_minor)
     SELECT $1, * FROM unnest($14::text[], $15::text[], $16::bigint[])
     ON CONFLICT (merchant_id, campaign_id, month) DO UPDATE SET milli_minor = s.milli_minor + EXCLUDED.milli_minor`,
    [
      merchantId,
      d.campaign, d.customer, d.period, d.outcome, d.reason, d.id, d.at,
      m.customer, m.message, m.campaign, m.channel, m.at,
      entries.map((e) => e[0]), entries.map((e) => e[1]), entries.map((e) => e[2]),
    ],
  );
}
