import path from 'node:path';
import { TemplateCatalog } from '@relance/channels';
import { activeCampaigns, type CampaignSet, type Channel, type CompiledCampaign, type TemplateRef } from '@relance/domain';
import { loadCampaignConfig, loadMerchantConfig, loadMerchantConfigs, type MerchantConfig, type SealedProfiles } from '@relance/platform';

/** One merchant's rules as loaded at one moment: an evaluation holds this object from start to end. */
export interface MerchantRules {
  readonly merchant: MerchantConfig;
  readonly set: CampaignSet;
  readonly active: readonly CompiledCampaign[];
  readonly templates: TemplateCatalog;
  /** When this version was loaded (what a reload log line shows). */
  readonly loadedAt: string;
  /**
   * Opens customers' sealed profiles in memory, for the ages an evaluation needs (customer-ages.ts).
   * The process that decides adds it (`withProfiles`); a book's rules have none: ages then stay unknown.
   */
  readonly profiles?: SealedProfiles | null;
}

/** The rules as they are, deciding with the process's means to open profiles. */
export function withProfiles(rules: MerchantRules, profiles: SealedProfiles | null | undefined): MerchantRules {
  return profiles ? { ...rules, profiles } : rules;
}

/** The templates a campaign's message can use, per channel, in the customer's locale or the merchant's. */
export function templatesFor(rules: MerchantRules, campaign: CompiledCampaign, locale: string | null): Partial<Record<Channel, TemplateRef>> {
  const message = campaign.definition.actions.message;
  if (!message) return {};
  const found: Partial<Record<Channel, TemplateRef>> = {};
  for (const channel of message.channels) {
    const template = rules.templates.get(channel, message.template, locale);
    if (template) found[channel] = { version: template.version, locale: template.locale };
  }
  return found;
}

/** Where a merchant's rules are read from: config/merchants/<folder>/, served under `id`. */
export interface RuleSource {
  readonly id: string;
  readonly folder: string;
}

/**
 * Every merchant's campaigns, replaced whole on reload. Nothing is ever changed in place: an
 * evaluation that started on the previous version keeps its reference and finishes on it, while the
 * next one reads the new version. A reload that finds a broken file throws and keeps the version in force.
 */
export class RuleBook {
  private current: ReadonlyMap<string, MerchantRules>;

  private constructor(
    readonly configDir: string,
    private readonly sources: readonly RuleSource[],
    rules: ReadonlyMap<string, MerchantRules>,
  ) {
    this.current = rules;
  }

  /** CONFIG_DIR's merchants, each from its own folder. Throws on an invalid configuration. */
  static async load(configDir: string, merchantIds: readonly string[] | null = null): Promise<RuleBook> {
    const merchants = (await loadMerchantConfigs(configDir)).filter((m) => !merchantIds || merchantIds.includes(m.id));
    return RuleBook.from(configDir, merchants.map((m) => ({ id: m.id, folder: m.id })));
  }

  /** Merchants served under ids of their own, read from the folders given (tests, benches). */
  static async from(configDir: string, sources: readonly RuleSource[]): Promise<RuleBook> {
    return new RuleBook(configDir, sources, await loadAll(configDir, sources));
  }

  forMerchant(merchantId: string): MerchantRules | undefined {
    return this.current.get(merchantId);
  }

  merchants(): MerchantRules[] {
    return [...this.current.values()];
  }

  /** Reads the files again; the new version takes effect for evaluations that start after it. */
  async reload(): Promise<Record<string, string>> {
    const next = await loadAll(this.configDir, this.sources);
    this.current = next;
    return Object.fromEntries([...next].map(([id, r]) => [id, r.set.version]));
  }
}

async function loadAll(configDir: string, sources: readonly RuleSource[]): Promise<Map<string, MerchantRules>> {
  const rules = new Map<string, MerchantRules>();
  for (const source of sources) rules.set(source.id, await loadMerchant(configDir, source));
  return rules;
}

async function loadMerchant(configDir: string, source: RuleSource): Promise<MerchantRules> {
  const merchant = { ...(await loadMerchantConfig(configDir, source.folder)), id: source.id };
  const set = await loadCampaignConfig(configDir, { ...merchant, id: source.folder });
  const { catalog } = await TemplateCatalog.load(path.join(configDir, 'merchants', source.folder, 'templates'), merchant);
  return { merchant, set, active: activeCampaigns(set), templates: catalog, loadedAt: new Date().toISOString() };
}
