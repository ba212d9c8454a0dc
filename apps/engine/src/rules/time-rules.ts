import { firingDays, isTimeTrigger, timeOccurrence, timeTriggerDue } from '@relance/domain';
import type pg from 'pg';
import { decideCandidates, lockMerchant, recordDecisions, type Candidate, type Decided } from './evaluation.js';
import type { MerchantRules } from './rule-book.js';
import { timeRuleHits } from './time-rules.sql.js';

export interface TimeRuleRun {
  readonly merchantId: string;
  readonly campaignId: string;
  /** The local days the run covered (empty: already run today, or not due yet). */
  readonly days: readonly string[];
  readonly hits: number;
  /** Decisions taken now (keys decided before are not decided again). */
  readonly decided: number;
  readonly triggered: number;
}

/** Customers decided per transaction: each holds the merchant's rules lock for one chunk only. */
const CHUNK = 2000;

/**
 * One run of a time rule for one merchant: the days since its last run (a week at most), one query
 * for the customers it fires for, their decisions in chunks, each chunk's events and bookkeeping in
 * one transaction. A second run the same day covers no day; a run that another process does at the
 * same moment, or a run after a crash, finds the keys already decided and decides nothing twice.
 */
export async function runTimeRule(
  pool: pg.Pool,
  rules: MerchantRules,
  campaignId: string,
  options: { now: string; voucherKey: Buffer; force?: boolean },
): Promise<TimeRuleRun> {
  const { merchant } = rules;
  const campaign = rules.active.find((c) => c.definition.id === campaignId);
  const none = { merchantId: merchant.id, campaignId, days: [], hits: 0, decided: 0, triggered: 0 };
  if (!campaign || !isTimeTrigger(campaign.definition.trigger)) return none;
  const trigger = campaign.definition.trigger;
  const { today, due } = timeTriggerDue(trigger, options.now, merchant.timeZone);
  if (!due && !options.force) return none;
  const { rows } = await pool.query<{ last_run_on: string }>(
    'SELECT last_run_on::text FROM time_rule_runs WHERE merchant_id = $1 AND campaign_id = $2',
    [merchant.id, campaignId],
  );
  const days = firingDays(options.force ? null : (rows[0]?.last_run_on ?? null), today);
  if (days.length === 0) return none;

  const hits = await timeRuleHits(pool, merchant.id, merchant.timeZone, trigger, days, today);
  let decided = 0;
  let triggered = 0;
  for (let i = 0; i < hits.length; i += CHUNK) {
    const candidates: Candidate[] = hits.slice(i, i + CHUNK).map((hit) => ({ campaign, occurrence: timeOccurrence(campaign.definition, hit, merchant.timeZone) }));
    const chunk = await decideAndRecord(pool, rules, candidates, options);
    decided += chunk.length;
    triggered += chunk.filter((d) => d.decision.outcome === 'triggered').length;
  }
  await pool.query(
    `INSERT INTO time_rule_runs AS r (merchant_id, campaign_id, last_run_on, rule_version, decided, ran_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (merchant_id, campaign_id) DO UPDATE SET last_run_on = GREATEST(r.last_run_on, EXCLUDED.last_run_on),
       rule_version = EXCLUDED.rule_version, decided = EXCLUDED.decided, ran_at = EXCLUDED.ran_at`,
    [merchant.id, campaignId, today, campaign.ruleVersion, decided, options.now],
  );
  if (decided > 0) await pool.query(`SELECT pg_notify('relance_events', '')`).catch(() => undefined);
  return { merchantId: merchant.id, campaignId, days, hits: hits.length, decided, triggered };
}

/** Decides and records candidates of one merchant in one transaction under its rules lock. */
export async function decideAndRecord(pool: pg.Pool, rules: MerchantRules, candidates: readonly Candidate[], options: { now: string; voucherKey: Buffer }): Promise<Decided[]> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    await tx.query('SELECT relance_begin_append()');
    await lockMerchant(tx, rules.merchant.id);
    const decided = await decideCandidates(tx, rules, candidates, { now: options.now, skipDecided: true, voucherKey: options.voucherKey });
    await recordDecisions(tx, rules, decided, options.now);
    await tx.query('COMMIT');
    return decided;
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}
