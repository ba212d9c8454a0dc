import type pg from 'pg';
import type { MerchantRules } from '../../../engine/src/rules/rule-book.js';
import type { TimeRuleRun } from '../../../engine/src/rules/time-rules.js';

/**
 * Today's run of time campaigns, now rather than at their hour: the same run the rules engine's
 * schedule does (one query over the read models, decisions and bookkeeping under the merchant's
 * rules lock), covering today even if it ran already. Keys decided before are not decided again, so
 * the scheduled run later today, or a second `fire`, adds nothing.
 */
export async function fireTimeRules(pool: pg.Pool, rules: MerchantRules, campaignIds: readonly string[], now: string, voucherKey: Buffer): Promise<TimeRuleRun[]> {
  const { runTimeRule } = await import('../../../engine/src/rules/time-rules.js');
  const { localDateOf } = await import('@relance/domain');
  const today = localDateOf(now, rules.merchant.timeZone);
  const runs: TimeRuleRun[] = [];
  // Outside the scheduler's ledger: the scheduled run of today still happens, and finds these keys decided.
  for (const campaignId of campaignIds) runs.push(await runTimeRule(pool, rules, campaignId, { days: [today], now, voucherKey }));
  return runs;
}

/** The active time campaigns of a merchant, by id. */
export async function timeCampaignIds(rules: MerchantRules): Promise<string[]> {
  const { isTimeTrigger } = await import('@relance/domain');
  return rules.active.filter((c) => isTimeTrigger(c.definition.trigger)).map((c) => c.definition.id);
}

/** `relance rules fire --merchant M --campaign C|--all`: one line per campaign run. */
export async function fire(options: { merchantId: string; campaignId: string | null }): Promise<number> {
  const { createPool, loadConfig } = await import('@relance/platform');
  const { RuleBook } = await import('../../../engine/src/rules/rule-book.js');
  const { voucherKeyFrom } = await import('../../../engine/src/rules/evaluation.js');
  const config = loadConfig(process.env, ['piiMasterKey']);
  const book = await RuleBook.load(config.configDir, [options.merchantId]);
  const rules = book.forMerchant(options.merchantId);
  if (!rules) {
    console.error(`${config.configDir}/merchants/${options.merchantId}: no such merchant`);
    return 1;
  }
  const timed = await timeCampaignIds(rules);
  if (options.campaignId !== null && !timed.includes(options.campaignId)) {
    console.error(`merchants/${options.merchantId}/campaigns.yaml: no active time campaign "${options.campaignId}" (time campaigns: ${timed.join(', ') || 'none'})`);
    return 1;
  }
  const pool = createPool(config.databaseUrl, { max: 2 });
  try {
    const runs = await fireTimeRules(pool, rules, options.campaignId === null ? timed : [options.campaignId], new Date().toISOString(), voucherKeyFrom(config.piiMasterKey!));
    for (const run of runs) {
      console.log(`${run.campaignId}: ${run.hits} customers found for ${run.days.join(', ') || 'no day'}, ${run.decided} decided now, ${run.triggered} triggered`);
    }
    return 0;
  } finally {
    await pool.end();
  }
}
