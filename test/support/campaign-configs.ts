import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Configuration folders for the campaign tests, in a temporary directory the caller removes. */

export const REPO_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');

/**
 * The shipped config/ as it is. Message templates are another part's files: a template the shipped
 * campaigns name that is not (yet) in config/ gets a stand-in here, so that this folder checks the
 * shipped campaigns, merchant and program files themselves; the shipped templates, where they exist,
 * are used as they are.
 */
export async function shippedConfig(): Promise<{ configDir: string; standIns: string[] }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'relance-campaigns-'));
  const configDir = path.join(root, 'config');
  await cp(REPO_CONFIG, configDir, { recursive: true });
  const standIns: string[] = [];
  for (const merchantId of await readdir(path.join(configDir, 'merchants'))) {
    const dir = path.join(configDir, 'merchants', merchantId);
    const merchant = parse(await readFile(path.join(dir, 'merchant.yaml'), 'utf8')) as { locale?: string };
    const campaigns = parse(await readFile(path.join(dir, 'campaigns.yaml'), 'utf8').catch(() => '')) as {
      campaigns?: { actions?: { message?: { channels: string[]; template: string } } }[];
    } | null;
    for (const campaign of campaigns?.campaigns ?? []) {
      const message = campaign.actions?.message;
      if (!message) continue;
      for (const channel of message.channels) {
        const folder = path.join(dir, 'templates', channel, merchant.locale ?? 'fr-FR');
        const existing = await readdir(folder).catch(() => [] as string[]);
        const language = await readdir(path.join(dir, 'templates', channel, (merchant.locale ?? 'fr-FR').slice(0, 2))).catch(() => [] as string[]);
        if ([...existing, ...language].some((f) => f.startsWith(`${message.template}.`))) continue;
        await mkdir(folder, { recursive: true });
        await writeFile(path.join(folder, `${message.template}.txt`), `{{shopName}} — ${message.template}\n`);
        standIns.push(path.join(channel, merchant.locale ?? 'fr-FR', `${message.template}.txt`));
      }
    }
  }
  return { configDir, standIns };
}

/**
 * A merchant whose campaigns hold the mistakes operators make: a CEL syntax error, a type error on the
 * second line of a condition, an unknown template, a negative cap, an unknown segment, and SMS
 * campaigns while merchant.yaml gives no STOP number.
 */
export async function brokenConfig(): Promise<{ configDir: string; campaignsFile: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'relance-broken-'));
  const configDir = path.join(root, 'config');
  const dir = path.join(configDir, 'merchants', 'cave-demo');
  await mkdir(dir, { recursive: true });
  await cp(path.join(REPO_CONFIG, 'merchants/cave-demo/program.yaml'), path.join(dir, 'program.yaml'));
  const merchant = await readFile(path.join(REPO_CONFIG, 'merchants/cave-demo/merchant.yaml'), 'utf8');
  await writeFile(path.join(dir, 'merchant.yaml'), merchant.replace(/stopNumber: "\d+"/, 'stopNumber: null'));
  for (const [channel, file] of [['email', 'anniversaire.hbs'], ['email', 'gros-panier.hbs'], ['sms', 'a-risque.txt']] as const) {
    await mkdir(path.join(dir, 'templates', channel, 'fr-FR'), { recursive: true });
    await writeFile(path.join(dir, 'templates', channel, 'fr-FR', file), 'Bonjour {{firstName}}\n');
  }
  const campaignsFile = path.join(dir, 'campaigns.yaml');
  await writeFile(campaignsFile, BROKEN_CAMPAIGNS);
  return { configDir, campaignsFile };
}

export const BROKEN_CAMPAIGNS = `defaults:
  frequencyCaps:
    - { max: -1, days: 7 }
campaigns:
  - id: anniversaire
    name: Anniversaire
    trigger: { type: birthday, daysBefore: 7 }
    audience:
      - customer.type == "b2c"
      - customer.balance >=
    actions:
      message: { channels: [email], template: anniversaire }
  - id: gros-panier
    name: Gros panier
    trigger: { type: purchase }
    audience: |
      customer.type == "b2c"
        && customer.ageYears >= "dix-huit"
    actions:
      message: { channels: [email], template: gros-panier }
  - id: a-risque
    name: À risque
    trigger: { type: segment-entered, segments: [a-risque] }
    actions:
      message: { channels: [sms], template: a-risque }
  - id: degustation
    name: Dégustation
    trigger: { type: manual }
    actions:
      message: { channels: [email], template: modele-inconnu }
`;
