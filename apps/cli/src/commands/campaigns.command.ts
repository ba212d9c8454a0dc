import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.js';

export const campaignsCommand: Command = {
  name: 'campaigns',
  summary: 'launch an on-demand campaign: a preview first (audience, cost per channel), then --confirm with its token',
  usage: 'relance campaigns launch --merchant M --campaign C [--confirm TOKEN]',
  async run(args) {
    const [sub, ...rest] = args;
    if (sub !== 'launch') throw new UsageError(sub ? `Unknown subcommand "${sub}"` : 'Missing subcommand');
    let values;
    try {
      ({ values } = parseArgs({ args: rest, options: { merchant: { type: 'string' }, campaign: { type: 'string' }, confirm: { type: 'string' } }, strict: true }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (!values.merchant || !values.campaign) throw new UsageError('--merchant and --campaign are required');
    const { createPool, CustomerKeyStore, loadConfig, SealedProfiles } = await import('@relance/platform');
    const { RuleBook, withProfiles } = await import('../../../engine/src/rules/rule-book.js');
    const { confirmLaunch, LaunchError, previewLaunch } = await import('../../../engine/src/rules/launch.js');
    const { voucherKeyFrom } = await import('../../../engine/src/rules/evaluation.js');
    const config = loadConfig(process.env, ['piiMasterKey']);
    const book = await RuleBook.load(config.configDir, [values.merchant]);
    const loaded = book.forMerchant(values.merchant);
    if (!loaded) {
      console.error(`${config.configDir}/merchants/${values.merchant}: no such merchant`);
      return 1;
    }
    const pool = createPool(config.databaseUrl, { max: 2 });
    const rules = withProfiles(loaded, new SealedProfiles(pool, new CustomerKeyStore(pool, config.piiMasterKey!)));
    const key = voucherKeyFrom(config.piiMasterKey!);
    const now = new Date().toISOString();
    try {
      if (!values.confirm) {
        const result = await previewLaunch(pool, rules, values.campaign, now, key);
        const { preview } = result;
        const { formatMoney } = await import('@relance/channels');
        // In the merchant's currency and its minor unit (12,50 €, 1 250 JPY), as its messages show amounts.
        const money = (minor: number) => formatMoney(minor, rules.merchant.currency, rules.merchant.locale);
        console.log(`Preview of ${values.campaign} (rule ${result.ruleVersion.slice(0, 12)}): ${preview.audienceCount} customers targeted, ${preview.controlGroupCount} in the control group, ${preview.suppressedCount} left out`);
        for (const [reason, count] of Object.entries(preview.suppressedBy)) console.log(`  left out, ${reason}: ${count}`);
        for (const e of preview.estimates) console.log(`  ${e.channel}: ${e.messages} messages, about ${money(e.costCents)}`);
        console.log(`Estimated cost: ${money(preview.estimatedCostCents)}`);
        console.log(`To launch: npx relance campaigns launch --merchant ${values.merchant} --campaign ${values.campaign} --confirm ${result.token}`);
        console.log(JSON.stringify({ token: result.token, ...preview }));
        return 0;
      }
      const result = await confirmLaunch(pool, rules, values.campaign, values.confirm, `user:${userInfo().username}`, now, key);
      console.log(result.alreadyLaunched ? `Launch ${result.launchId} was already confirmed: nothing decided again.` : `Launched ${result.launchId}: ${result.decided} decisions recorded, ${result.preview.audienceCount} messages queued.`);
      console.log(JSON.stringify(result));
      return 0;
    } catch (error) {
      if (error instanceof LaunchError) {
        console.error(`campaigns launch: ${error.message}`);
        return error.code === 'stale-preview' ? 3 : 1;
      }
      throw error;
    } finally {
      await pool.end();
    }
  },
};
