import type { CampaignDecision, ContactHistory, EvaluationCandidate } from '@relance/domain';
import { budgetMonth } from '@relance/domain';
import type pg from 'pg';

/*
 * The controls' memory (migration 0063): decisions per key, marketing messages per customer, spend
 * per campaign and month. Read for a whole evaluation at once (one statement each for every
 * customer of it), written in the transaction that appends the decisions' events.
 */

export interface DecisionKey {
  readonly campaignId: string;
  readonly customerId: string;
  readonly period: string;
}

const keyOf = (k: DecisionKey) => `${k.campaignId}\u0000${k.customerId}\u0000${k.period}`;

/** The keys among those given that some process decided already. */
export async function decidedKeys(db: pg.PoolClient | pg.Pool, merchantId: string, keys: readonly DecisionKey[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<DecisionKey>(
    `SELECT d.campaign_id AS "campaignId", d.customer_id AS "customerId", d.period
       FROM unnest($2::text[], $3::text[], $4::text[]) AS k(campaign_id, customer_id, period)
       JOIN campaign_decisions d ON d.merchant_id = $1 AND d.campaign_id = k.campaign_id AND d.customer_id = k.customer_id AND d.period = k.period`,
    [merchantId, keys.map((k) => k.campaignId), keys.map((k) => k.customerId), keys.map((k) => k.period)],
  );
  return new Set(rows.map(keyOf));
}

export function isDecided(decided: ReadonlySet<string>, key: DecisionKey): boolean {
  return decided.has(keyOf(key));
}

/** Per customer: earlier decisions that targeted them, and marketing messages within the window. */
export async function readHistories(
  db: pg.PoolClient | pg.Pool,
  merchantId: string,
  customerIds: readonly string[],
  messagesSince: string,
): Promise<Map<string, ContactHistory>> {
  const histories = new Map<string, { messages: ContactHistory['messages'][number][]; decisions: ContactHistory['decisions'][number][] }>();
  if (customerIds.length === 0) return histories;
  const of = (id: string) => {
    let h = histories.get(id);
    if (!h) histories.set(id, (h = { messages: [], decisions: [] }));
    return h;
  };
  // One after the other: a transaction's connection runs one statement at a time.
  const decisions = await db.query<{ customer_id: string; campaign_id: string; period: string; at: Date }>(
      `SELECT customer_id, campaign_id, period, decided_at AS at FROM campaign_decisions
        WHERE merchant_id = $1 AND customer_id = ANY($2::text[]) AND outcome <> 'suppressed' ORDER BY decided_at`,
      [merchantId, customerIds],
    );
  const messages = await db.query<{ customer_id: string; campaign_id: string; channel: string; at: Date }>(
      `SELECT customer_id, campaign_id, channel, queued_at AS at FROM campaign_contacts
        WHERE merchant_id = $1 AND customer_id = ANY($2::text[]) AND queued_at > $3::timestamptz ORDER BY queued_at`,
      [merchantId, customerIds, messagesSince],
    );
  for (const r of decisions.rows) of(r.customer_id).decisions.push({ campaignId: r.campaign_id, period: r.period, at: r.at.toISOString() });
  for (const r of messages.rows) of(r.customer_id).messages.push({ campaignId: r.campaign_id, channel: r.channel as never, at: r.at.toISOString() });
  return histories;
}

/** Each campaign's estimated spend in the month of `now` (merchant's zone), in thousandths of a minor unit. */
export async function readSpend(db: pg.PoolClient | pg.Pool, merchantId: string, now: string, timeZone: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ campaign_id: string; milli_minor: string }>(
    'SELECT campaign_id, milli_minor::text FROM campaign_spend WHERE merchant_id = $1 AND month = $2',
    [merchantId, budgetMonth(now, timeZone)],
  );
  return new Map(rows.map((r) => [r.campaign_id, Number(r.milli_minor)]));
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
  await db.query(
    `INSERT INTO campaign_decisions (merchant_id, campaign_id, customer_id, period, outcome, reason, event_id, decided_at)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::timestamptz[])
     ON CONFLICT DO NOTHING`,
    [merchantId, d.campaign, d.customer, d.period, d.outcome, d.reason, d.id, d.at],
  );
  if (m.customer.length > 0) {
    await db.query(
      `INSERT INTO campaign_contacts (merchant_id, customer_id, message_id, campaign_id, channel, queued_at)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       ON CONFLICT DO NOTHING`,
      [merchantId, m.customer, m.message, m.campaign, m.channel, m.at],
    );
  }
  if (spend.size > 0) {
    const entries = [...spend].map(([key, milli]) => [...key.split('\u0000'), milli] as [string, string, number]);
    await db.query(
      `INSERT INTO campaign_spend AS s (merchant_id, campaign_id, month, milli_minor)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])
       ON CONFLICT (merchant_id, campaign_id, month) DO UPDATE SET milli_minor = s.milli_minor + EXCLUDED.milli_minor`,
      [merchantId, entries.map((e) => e[0]), entries.map((e) => e[1]), entries.map((e) => e[2])],
    );
  }
}
