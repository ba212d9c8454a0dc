import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CHANNELS, parseCampaigns, type CampaignSet, type Channel } from '@relance/domain';
import type { MerchantConfig } from './load-merchant-config.js';
import { MerchantConfigError } from './load-merchant-config.js';
import { templateCheckOnDisk, type TemplateCheck, type TemplateRequest } from './template-check.js';
import { displayPath, YamlSource, type ConfigProblem } from './yaml-source.js';

export const CAMPAIGNS_FILE = 'campaigns.yaml';

export interface LoadCampaignsOptions {
  /** Whether each template a campaign names exists (and is valid); defaults to the files on disk. */
  readonly templates?: TemplateCheck;
  /**
   * The `content.<name>` entries a template reads (null when unknown): each must be in the
   * campaign's `actions.message.content`. Without it, content is not checked against templates.
   */
  readonly contentFields?: (request: TemplateRequest) => Promise<readonly string[] | null>;
}

/**
 * A merchant's campaigns (config/merchants/<id>/campaigns.yaml), validated against its merchant.yaml
 * and program.yaml: every problem at once as `file:line: path: message`, as MerchantConfigError.
 * A merchant without the file has no campaigns.
 */
export async function loadCampaignConfig(configDir: string, merchant: MerchantConfig, options: LoadCampaignsOptions = {}): Promise<CampaignSet> {
  const result = await readCampaigns(configDir, merchant, options);
  if ('problems' in result) throw new MerchantConfigError(result.problems);
  return result.set;
}

export type CampaignsReadResult = { set: CampaignSet } | { problems: ConfigProblem[] };

export async function readCampaigns(configDir: string, merchant: MerchantConfig, options: LoadCampaignsOptions = {}): Promise<CampaignsReadResult> {
  const file = path.join(configDir, 'merchants', merchant.id, CAMPAIGNS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = '';
  }
  const source = YamlSource.parse(displayPath(file), text);
  if (source.syntaxProblems.length > 0) return { problems: [...source.syntaxProblems] };

  const definition = merchant.program.definition;
  const parsed = parseCampaigns(source.data, {
    merchant,
    vocabulary: {
      tiers: definition.tiers.levels.map((l) => l.id),
      stores: merchant.stores.map((s) => s.id),
      rewards: definition.rewards.map((r) => r.id),
    },
  });
  const problems: ConfigProblem[] = parsed.success ? [] : source.problemsOf(parsed.issues);

  const check = options.templates ?? templateCheckOnDisk(configDir);
  const campaigns = Array.isArray((source.data as { campaigns?: unknown } | null)?.campaigns) ? ((source.data as { campaigns: unknown[] }).campaigns) : [];
  for (const [index, raw] of campaigns.entries()) {
    const message = (raw as { actions?: { message?: { channels?: unknown; template?: unknown; content?: unknown } } } | null)?.actions?.message;
    if (!message || typeof message.template !== 'string' || !Array.isArray(message.channels)) continue;
    const given = message.content && typeof message.content === 'object' && !Array.isArray(message.content) ? Object.keys(message.content) : [];
    for (const channel of new Set(message.channels.filter((c): c is Channel => (CHANNELS as readonly unknown[]).includes(c)))) {
      const request = { merchantId: merchant.id, channel, locale: merchant.locale, templateId: message.template };
      const problem = await check(request);
      if (problem) {
        const at = ['campaigns', index, 'actions', 'message', 'template'];
        problems.push({ file: source.file, line: source.lineOf(at), path: `campaigns[${index}].actions.message.template`, message: problem });
        continue;
      }
      const missing = ((await options.contentFields?.(request)) ?? []).filter((field) => !given.includes(field));
      if (missing.length > 0) {
        // At the content map when there is one, else at the template that asks for it.
        const field = message.content === undefined ? 'template' : 'content';
        const at = ['campaigns', index, 'actions', 'message', field];
        problems.push({
          file: source.file,
          line: source.lineOf(at),
          path: `campaigns[${index}].actions.message.${field}`,
          message: `the ${channel} template "${message.template}" uses ${missing.map((m) => `content.${m}`).join(', ')}: give ${missing.length > 1 ? 'them' : 'it'} in actions.message.content`,
        });
      }
    }
  }
  problems.sort((a, b) => a.line - b.line);
  if (problems.length > 0 || !parsed.success) return { problems };
  return { set: parsed.set };
}
