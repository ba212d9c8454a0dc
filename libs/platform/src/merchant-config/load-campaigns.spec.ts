import { afterEach, describe, expect, it } from '@jest/globals';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brokenConfig, REPO_CONFIG } from '@relance/testing/campaign-configs.js';
import { loadCampaignConfig, readCampaigns } from './load-campaigns.js';
import { loadMerchantConfig, MerchantConfigError } from './load-merchant-config.js';
import { templateCheckOnDisk } from './template-check.js';

const roots: string[] = [];
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

describe("the demo caviste's campaigns shipped in config/", () => {
  it('validate against its merchant, program and templates, each campaign with its version', async () => {
    const merchant = await loadMerchantConfig(REPO_CONFIG, 'cave-demo');
    const set = await loadCampaignConfig(REPO_CONFIG, merchant);
    expect(set.campaigns.map((c) => [c.definition.id, c.definition.trigger.type])).toEqual([
      ['bienvenue', 'consent-granted'],
      ['anniversaire', 'birthday'],
      ['reactivation', 'inactivity'],
      ['points-expirent', 'points-expiring'],
      ['gros-panier', 'purchase'],
      ['nouveau-statut', 'tier-changed'],
      ['a-risque', 'segment-entered'],
      ['beaujolais-nouveau', 'yearly'],
      ['defi-decembre', 'challenge'],
      ['invitation-degustation', 'manual'],
    ]);
    expect(set.version).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(set.campaigns.map((c) => c.ruleVersion)).size).toBe(10);
    expect(merchant).toMatchObject({ quietHours: { from: '08:00', to: '20:00', publicHolidays: 'FR' }, globalControlGroupPercent: 0, channels: { sms: { stopNumber: '36111' } } });
  });
});

describe('a merchant with mistakes in its campaigns', () => {
  it('gets every problem at once, each at its line, inside a condition written over several lines too', async () => {
    const { configDir, campaignsFile } = await brokenConfig();
    roots.push(path.dirname(configDir));
    const merchant = await loadMerchantConfig(configDir, 'cave-demo');
    const error = await loadCampaignConfig(configDir, merchant).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MerchantConfigError);
    expect((error as MerchantConfigError).problems).toEqual([
      `${campaignsFile}:3: defaults.frequencyCaps[0].max: must be at least 0`,
      `${campaignsFile}:10: campaigns[0].audience[1]: CEL syntax: cannot read on from ">=" (found > but expecting end of input) (column 18)`,
      `${campaignsFile}:18: campaigns[1].audience: cannot order a whole number or null and a text (>=) (line 2 of the condition, column 24)`,
      `${campaignsFile}:23: campaigns[2].trigger.segments[0]: unknown segment "a-risque" (segments: champions, loyal, potential-loyalist, new, promising, need-attention, about-to-sleep, at-risk, cant-lose-them, hibernating, lost)`,
      `${campaignsFile}:25: campaigns[2].actions.message.channels[0]: "sms" cannot be used: no opt-out means: set channels.sms.stopNumber in merchant.yaml (a marketing SMS must say "STOP au …")`,
      `${campaignsFile}:30: campaigns[3].actions.message.template: no email template "modele-inconnu" for fr-FR (expected templates/email/fr-FR/modele-inconnu.hbs beside campaigns.yaml)`,
    ]);
  });

  it('points a YAML syntax error at its line', async () => {
    const { configDir, campaignsFile } = await brokenConfig();
    roots.push(path.dirname(configDir));
    await writeFile(campaignsFile, 'campaigns:\n  - id: a\n\tname: tab\n');
    const merchant = await loadMerchantConfig(configDir, 'cave-demo');
    const result = await readCampaigns(configDir, merchant);
    expect('problems' in result && result.problems.map((p) => [p.line, p.message])).toEqual([[3, expect.stringMatching(/^YAML: /)]]);
  });

  it('has no campaigns without a campaigns.yaml', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'relance-none-'));
    roots.push(root);
    await cp(path.join(REPO_CONFIG, 'merchants/cave-demo/merchant.yaml'), path.join(root, 'merchants/cave-demo/merchant.yaml'));
    await cp(path.join(REPO_CONFIG, 'merchants/cave-demo/program.yaml'), path.join(root, 'merchants/cave-demo/program.yaml'));
    const set = await loadCampaignConfig(root, await loadMerchantConfig(root, 'cave-demo'));
    expect(set.campaigns).toEqual([]);
  });
});

describe("a campaign's content", () => {
  async function withCampaigns(yaml: string) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'relance-content-'));
    roots.push(root);
    for (const file of ['merchant.yaml', 'program.yaml']) await cp(path.join(REPO_CONFIG, 'merchants/cave-demo', file), path.join(root, 'merchants/cave-demo', file));
    await cp(path.join(REPO_CONFIG, 'merchants/cave-demo/templates'), path.join(root, 'merchants/cave-demo/templates'), { recursive: true });
    const file = path.join(root, 'merchants/cave-demo/campaigns.yaml');
    await writeFile(file, yaml);
    return { root, file, merchant: await loadMerchantConfig(root, 'cave-demo') };
  }
  const tasting = (content: string) => `campaigns:
  - id: degustation
    name: Dégustation
    trigger: { type: manual }
    actions:
      message:
        channels: [email, sms]
        template: tasting-invitation
${content}`;
  // What the templates read, as the templates' own validator says it in `relance rules validate`.
  const contentFields = async ({ channel }: { channel: string }) => (channel === 'email' ? ['startsAt', 'winery', 'wineCount'] : ['startsAt', 'winery']);

  it('is kept with the campaign, for its templates, and changes its version', async () => {
    const given = '        content: { winery: Domaine de la Tournelle, wineCount: 6, startsAt: "2026-12-12T18:00:00+01:00" }\n';
    const { root, merchant } = await withCampaigns(tasting(given));
    const set = await loadCampaignConfig(root, merchant, { contentFields });
    expect(set.campaigns[0]?.definition.actions.message?.content).toEqual({ winery: 'Domaine de la Tournelle', wineCount: 6, startsAt: '2026-12-12T18:00:00+01:00' });
    const without = await withCampaigns(tasting(''));
    const bare = await loadCampaignConfig(without.root, without.merchant);
    expect(bare.campaigns[0]?.definition.actions.message).not.toHaveProperty('content');
    expect(bare.campaigns[0]?.ruleVersion).not.toBe(set.campaigns[0]?.ruleVersion);
  });

  it('must give every content.<name> the templates read, and only texts, numbers and true/false', async () => {
    const { root, merchant, file } = await withCampaigns(tasting('        content:\n          winery: [Tournelle]\n          startsAt: "2026-12-12T18:00:00+01:00"\n'));
    const result = await readCampaigns(root, merchant, { contentFields });
    expect('problems' in result && result.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`)).toEqual([
      '9: campaigns[0].actions.message.content: the email template "tasting-invitation" uses content.wineCount: give it in actions.message.content',
      '10: campaigns[0].actions.message.content.winery: a text, a number or true/false (dates as "YYYY-MM-DD" or an ISO instant in quotes)',
    ]);
    expect(result).not.toHaveProperty('set');
    expect(file).toMatch(/campaigns\.yaml$/);
  });

  it('names the template that needs it when the campaign has none', async () => {
    const { root, merchant } = await withCampaigns(tasting(''));
    const result = await readCampaigns(root, merchant, { contentFields });
    expect('problems' in result && result.problems.map((p) => [p.path, p.message])).toEqual([
      ['campaigns[0].actions.message.template', 'the email template "tasting-invitation" uses content.startsAt, content.winery, content.wineCount: give them in actions.message.content'],
      ['campaigns[0].actions.message.template', 'the sms template "tasting-invitation" uses content.startsAt, content.winery: give them in actions.message.content'],
    ]);
  });
});

describe('the templates on disk', () => {
  it('are found in the merchant\'s locale, an RCS message falling back to the SMS template', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'relance-templates-'));
    roots.push(root);
    const dir = path.join(root, 'merchants/cave/templates');
    await mkdir(path.join(dir, 'email/fr-FR'), { recursive: true });
    await mkdir(path.join(dir, 'sms/fr-FR'), { recursive: true });
    await writeFile(path.join(dir, 'email/fr-FR/welcome.hbs'), '');
    await writeFile(path.join(dir, 'sms/fr-FR/welcome.hbs'), '');
    await writeFile(path.join(dir, 'email/fr-FR/notes.txt'), '');
    const check = templateCheckOnDisk(root);
    const request = { merchantId: 'cave', locale: 'fr-FR', templateId: 'welcome' } as const;
    expect(await check({ ...request, channel: 'email' })).toBeNull();
    expect(await check({ ...request, channel: 'rcs' })).toBeNull();
    expect(await check({ ...request, channel: 'postal' })).toBe('no postal template "welcome" for fr-FR (expected templates/postal/fr-FR/welcome.hbs beside campaigns.yaml)');
    expect(await check({ ...request, channel: 'email', templateId: 'notes' })).not.toBeNull();
    expect(await check({ ...request, channel: 'email', locale: 'en-GB' })).not.toBeNull();
  });
});
