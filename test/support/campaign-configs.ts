import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Configuration folders for the campaign tests, in a temporary directory the caller removes. */

export const REPO_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');

/**
 * A merchant whose campaigns hold the mistakes operators make: a CEL syntax error, a type error on the
 * second line of a condition, an unknown template, a negative cap, an unknown segment, an SMS
 * campaign while merchant.yaml gives no STOP number, and an SMS template without its STOP mention.
 */
export async function brokenConfig(): Promise<{ configDir: string; campaignsFile: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'relance-broken-'));
  const configDir = path.join(root, 'config');
  const dir = path.join(configDir, 'merchants', 'cave-demo');
  await mkdir(dir, { recursive: true });
  await cp(path.join(REPO_CONFIG, 'merchants/cave-demo/program.yaml'), path.join(dir, 'program.yaml'));
  const merchant = await readFile(path.join(REPO_CONFIG, 'merchants/cave-demo/merchant.yaml'), 'utf8');
  await writeFile(path.join(dir, 'merchant.yaml'), merchant.replace(/stopNumber: "\d+"/, 'stopNumber: null'));
  await cp(path.join(REPO_CONFIG, 'merchants/cave-demo/templates'), path.join(dir, 'templates'), { recursive: true });
  // A marketing SMS template that lost its STOP mention.
  const atRisk = path.join(dir, 'templates/sms/fr-FR/at-risk.hbs');
  await writeFile(atRisk, (await readFile(atRisk, 'utf8')).replace(' {{> optOut}}', ''));
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
      message: { channels: [email], template: birthday }
  - id: gros-panier
    name: Gros panier
    trigger: { type: purchase }
    audience: |
      customer.type == "b2c"
        && customer.ageYears >= "dix-huit"
    actions:
      message: { channels: [email], template: big-basket }
  - id: a-risque
    name: À risque
    trigger: { type: segment-entered, segments: [a-risque] }
    actions:
      message: { channels: [sms], template: at-risk }
  - id: degustation
    name: Dégustation
    trigger: { type: manual }
    actions:
      message: { channels: [email], template: modele-inconnu }
`;
