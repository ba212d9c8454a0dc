import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.js';

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'the rules engine: validate campaigns.yaml, run the engine, reload it, dry-run a campaign, fire time campaigns now',
  usage: [
    'relance rules validate [configDir | config/merchants/<merchantId>]   (default: $CONFIG_DIR, else ./config)',
    '       relance rules run [--pid-file FILE] [--no-schedule] [--batch-size N] (event and time triggers until stopped)',
    '       relance rules reload [--pid-file FILE]                        (running engines read campaigns.yaml again)',
    '       relance rules dry-run --merchant M --campaign C [--at DATE]   (who would be targeted, writing nothing)',
    '       relance rules fire --merchant M (--campaign C | --all)        (today\'s run of time campaigns, now, whatever their hour)',
  ].join('\n'),
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'run') {
      const { values } = parse(rest, { 'pid-file': { type: 'string' }, 'no-schedule': { type: 'boolean' }, 'batch-size': { type: 'string' } });
      const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
      if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000)) throw new UsageError('--batch-size: a whole number from 1 to 5000');
      const { runRules } = await import('./rules-run.js');
      return runRules({ pidFile: (values['pid-file'] as string | undefined) ?? null, noSchedule: values['no-schedule'] === true, batchSize });
    }
    if (sub === 'reload') {
      const { values } = parse(rest, { 'pid-file': { type: 'string' } });
      return reload((values['pid-file'] as string | undefined) ?? null);
    }
    if (sub === 'dry-run') {
      const { values } = parse(rest, { merchant: { type: 'string' }, campaign: { type: 'string' }, at: { type: 'string' } });
      if (!values.merchant || !values.campaign) throw new UsageError('dry-run needs --merchant and --campaign');
      const { dryRun } = await import('./rules-dry-run.js');
      return dryRun({ merchantId: values.merchant as string, campaignId: values.campaign as string, at: (values.at as string | undefined) ?? null });
    }
    if (sub === 'fire') {
      const { values } = parse(rest, { merchant: { type: 'string' }, campaign: { type: 'string' }, all: { type: 'boolean' } });
      if (!values.merchant || (!values.campaign) === (values.all !== true)) throw new UsageError('fire needs --merchant and either --campaign or --all');
      const { fire } = await import('./rules-fire.js');
      return fire({ merchantId: values.merchant as string, campaignId: (values.campaign as string | undefined) ?? null });
    }
    if (sub !== 'validate') throw new UsageError(sub ? `Unknown subcommand "${sub}"` : 'Missing subcommand');
    let positionals;
    try {
      ({ positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (positionals.length > 1) throw new UsageError('Give one folder at most');
    return validate(path.resolve(positionals[0] ?? process.env.CONFIG_DIR ?? 'config'));
  },
};

/**
 * Every merchant's files: merchant.yaml and program.yaml, then campaigns.yaml, then the message
 * templates (with their own validator: syntax, required partials, a render of their sample, SMS
 * length). Every problem printed as file:line: path: message; exit 1 when there is one (warnings are
 * printed, not counted).
 */
async function validate(target: string): Promise<number> {
  const { formatProblem, loadMerchantConfig, MerchantConfigError, readCampaigns, displayPath, missingTemplate } = await import('@relance/platform');
  const { contentFieldsOf, validateMerchantTemplates } = await import('@relance/channels');
  const { configDir, merchantIds } = await merchantsOf(target);
  if (merchantIds.length === 0) {
    console.error(`${displayPath(path.join(configDir, 'merchants'))}:1: no merchant folder (one per merchant: merchants/<merchantId>/merchant.yaml)`);
    return 1;
  }
  let problems = 0;
  for (const id of merchantIds) {
    let merchant;
    try {
      merchant = await loadMerchantConfig(configDir, id);
    } catch (error) {
      if (!(error instanceof MerchantConfigError)) throw error;
      for (const problem of error.problems) console.error(problem);
      console.error(`${displayPath(path.join(configDir, 'merchants', id))}: campaigns not checked until merchant.yaml and program.yaml are valid`);
      problems += error.problems.length;
      continue;
    }
    const templatesDir = path.join(configDir, 'merchants', id, 'templates');
    const templates = (await exists(templatesDir))
      ? await validateMerchantTemplates(templatesDir, merchant, { stopNumber: merchant.channels.sms.stopNumber ?? undefined })
      : null;
    const result = await readCampaigns(configDir, merchant, {
      templates: async (request) => (templates?.catalog.get(request.channel, request.templateId, merchant.locale) ? null : missingTemplate(request)),
      contentFields: async (request) => {
        const template = templates?.catalog.get(request.channel, request.templateId, merchant.locale);
        return template ? contentFieldsOf(template) : null;
      },
    });
    if ('problems' in result) {
      for (const problem of result.problems) console.error(formatProblem(problem));
      problems += result.problems.length;
    }
    for (const problem of templates?.problems ?? []) {
      const where = `${displayPath(problem.file)}:${problem.line}: `;
      console.error(`${where}${problem.severity === 'warning' ? 'warning: ' : ''}${problem.message}`);
      if (problem.severity === 'error') problems++;
    }
    if ('set' in result) {
      const { campaigns, version } = result.set;
      const active = campaigns.filter((c) => c.definition.status === 'active').length;
      console.log(`${id}: ${campaigns.length} campaigns valid (${active} active), set version ${version.slice(0, 12)}`);
    }
  }
  if (problems > 0) {
    console.error(`\n${problems} problem${problems === 1 ? '' : 's'} found.`);
    return 1;
  }
  return 0;
}

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>): { values: Record<string, string | boolean | undefined> } {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true }) as { values: Record<string, string | boolean | undefined> };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Every running rules engine reloads (PostgreSQL NOTIFY); with --pid-file, that process gets SIGHUP too. */
async function reload(pidFile: string | null): Promise<number> {
  const { loadConfig, createPool } = await import('@relance/platform');
  const { RELOAD_CHANNEL } = await import('../../../engine/src/rules/rules-runtime.js');
  const config = loadConfig(process.env);
  const pool = createPool(config.databaseUrl, { max: 1 });
  try {
    await pool.query(`SELECT pg_notify('${RELOAD_CHANNEL}', 'cli')`);
  } finally {
    await pool.end();
  }
  if (pidFile) {
    const { readFile } = await import('node:fs/promises');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 0) {
      console.error(`${pidFile}:1: not a process id`);
      return 1;
    }
    process.kill(pid, 'SIGHUP');
  }
  console.log('reload requested: running rules engines read campaigns.yaml again (a file with errors is refused and the rules in force stay)');
  return 0;
}

const exists = (file: string) => access(file).then(() => true, () => false);

/** A config folder (with merchants/), or one merchant's folder. */
async function merchantsOf(target: string): Promise<{ configDir: string; merchantIds: string[] }> {
  if (await exists(path.join(target, 'merchant.yaml'))) {
    return { configDir: path.resolve(target, '..', '..'), merchantIds: [path.basename(target)] };
  }
  const entries = await readdir(path.join(target, 'merchants'), { withFileTypes: true }).catch(() => []);
  return { configDir: target, merchantIds: entries.filter((e) => e.isDirectory()).map((e) => e.name).sort() };
}
