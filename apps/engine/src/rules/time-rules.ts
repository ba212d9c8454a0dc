import { addDaysToLocalDate, firingDays, isTimeTrigger, timeOccurrence } from '@relance/domain';
import type pg from 'pg';
import { decideCandidates, lockMerchant, recordDecisions, type Candidate, type Decided } from './evaluation.js';
import type { MerchantRules } from './rule-book.js';
import { timeRuleHits } from './time-rules.sql.js';

export interface TimeRuleRun {
  readonly merchantId: string;
  readonly campaignId: string;
  /** The local days the run covered (empty: the campaign is not an active time rule). */
  readonly days: readonly string[];
  readonly hits: number;
  /** Decisions taken now (keys decided before are not decided again). */
  readonly decided: number;
  readonly triggered: number;
}

/** Customers decided per transaction: each holds the merchant's rules lock for one chunk only. */
const CHUNK = 2000;

/**
 * The days a scheduled run stands for: from the first day it covers (after downtime, the first day
 * missed) to its own, a week at most: older occasions are stale.
 */
export function timeRuleDays(coversFrom: string, period: string): string[] {
  return firingDays(addDaysToLocalDate(coversFrom, -1), period);
}

/**
 * One run of a time rule for one merchant over `days` (the last is the run's own day): one query for
 * the customers it fires for, their decisions in chunks, each chunk's events and bookkeeping in one
 * transaction. Whether a day runs is the scheduler's business (its ledger runs each day once); a run
 * repeated anyway (a forced run, a retry after a crash, another process at the same moment) finds
 * the keys already decided and decides nothing twice.
 */
export async function runTimeRule(
  pool: pg.Pool,
  rules: MerchantRules,
  campaignId: string,
  options: { days: readonly string[]; now: string; voucherKey: Buffer },
): Promise<TimeRuleRun> {
  const { merchant } = rules;
  const campaign = rules.active.find((c) => c.definition.id === campaignId);
  const { days } = options;
  const today = days[days.length - 1];
  if (!campaign || !isTimeTrigger(campaign.definition.trigger) || today === undefined) return { merchantId: merchant.id, campaignId, days: [], hits: 0, decided: 0, triggered: 0 };
  const trigger = campaign.definition.trigger;

  const hits = await timeRuleHits(pool, merchant.id, merchant.timeZone, trigger, days, today);
  let decided = 0;
  let triggered = 0;
  for (let i = 0; i < hits.length; i += CHUNK) {
    const candidates: Candidate[] = hits.slice(i, i + CHUNK).map((hit) => ({ campaign, occurrence: timeOccurrence(campaign.definition, hit, merchant.timeZone) }));
    const chunk = await decideAndRecord(pool, rules, candidates, options);
    decided += chunk.length;
    triggered += chunk.filter((d) => d.decision.outcome === 'triggered').length;
  }
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
