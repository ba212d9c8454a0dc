import type { Decided } from '../../../engine/src/rules/evaluation.js';

/**
 * `relance rules dry-run`: who a campaign would target on a date and why, decided exactly as the
 * engine decides (read models, bookkeeping, controls), and nothing written: the decisions are only
 * printed, never appended or recorded.
 */
export async function dryRun(options: { merchantId: string; campaignId: string; at: string | null }): Promise<number> {
  const { createPool, CustomerKeyStore, loadConfig, SealedProfiles } = await import('@relance/platform');
  const { launchPreview, LocalDate } = await import('@relance/domain');
  const { RuleBook, withProfiles } = await import('../../../engine/src/rules/rule-book.js');
  const { audienceCandidates, firingInstant, NotPreviewable } = await import('../../../engine/src/rules/audience-candidates.js');
  const { decideCandidates, voucherKeyFrom } = await import('../../../engine/src/rules/evaluation.js');
  const config = loadConfig(process.env);
  const book = await RuleBook.load(config.configDir, [options.merchantId]);
  const loaded = book.forMerchant(options.merchantId);
  if (!loaded) {
    console.error(`${config.configDir}/merchants/${options.merchantId}: no such merchant`);
    return 1;
  }
  const campaign = loaded.set.campaigns.find((c) => c.definition.id === options.campaignId);
  if (!campaign) {
    console.error(`merchants/${options.merchantId}/campaigns.yaml: no campaign "${options.campaignId}" (campaigns: ${loaded.set.campaigns.map((c) => c.definition.id).join(', ')})`);
    return 1;
  }
  if (options.at !== null && !LocalDate.safeParse(options.at).success) {
    console.error(`--at ${options.at}: a local date YYYY-MM-DD`);
    return 2;
  }
  const now = options.at === null ? new Date().toISOString() : firingInstant(campaign, options.at, loaded.merchant.timeZone);
  const pool = createPool(config.databaseUrl, { max: 4 });
  // With the master key, ages are read as the engine reads them; without it they stay unknown, and the
  // dry run shows who the clear columns alone let through (it says so below).
  const rules = withProfiles(loaded, config.piiMasterKey ? new SealedProfiles(pool, new CustomerKeyStore(pool, config.piiMasterKey)) : null);
  try {
    let decided: Decided[];
    try {
      const candidates = await audienceCandidates(pool, rules, campaign, now, null);
      // A dry run sees every key, decided before or not: it shows what the rules say, not what is left to do.
      decided = await decideCandidates(pool, rules, candidates, { now, skipDecided: false, voucherKey: voucherKeyFrom(Buffer.alloc(32)) });
    } catch (error) {
      if (error instanceof NotPreviewable) {
        console.error(error.message);
        return 1;
      }
      throw error;
    }
    if (!rules.profiles) console.error('no PII master key: ages are unknown, so customers not proved of age by the read model are left out of alcohol offers and age audiences');
    console.log(`${campaign.definition.id} (${campaign.definition.name}), rule version ${campaign.ruleVersion.slice(0, 12)}, at ${now} — dry run, nothing written`);
    for (const { candidate, decision } of decided) {
      const conditions = candidate.campaign.definition.audience.length === 0 ? '' : ` conditions: ${describeConditions(decision)}`;
      const outcome = decision.outcome === 'suppressed' ? `suppressed (${decision.reason})` : decision.outcome;
      const channel = decision.message ? ` → ${decision.message.channel}${decision.message.scheduledFor ? ` at ${decision.message.scheduledFor}` : ''}` : '';
      console.log(`  ${candidate.occurrence.customerId}: ${outcome}${channel}; ${candidate.occurrence.description};${conditions}`);
    }
    const preview = launchPreview(decided.map((d) => d.decision));
    console.log(JSON.stringify({ candidates: decided.length, ...preview }));
    return 0;
  } finally {
    await pool.end();
  }
}

function describeConditions(decision: Decided['decision']): string {
  const event = decision.appends[0]?.events[0];
  const conditions = (event?.data as { conditions?: { expression: string; value: unknown; passed: boolean }[] } | undefined)?.conditions ?? [];
  return conditions.map((c) => `${c.expression} [${JSON.stringify(c.value)}] ${c.passed ? 'passed' : 'failed'}`).join('; ');
}
