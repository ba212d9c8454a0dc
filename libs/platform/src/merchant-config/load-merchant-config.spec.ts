import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMerchantConfig, loadMerchantConfigs, MerchantConfigError, programVersion } from './load-merchant-config.js';

const REPO_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../config');

const MERCHANT = `id: cave
name: Cave Test
alcohol: true
stores:
  - { id: s1, name: Boutique, city: Lyon }
`;

const PROGRAM = `name: Club
earn:
  perEuro: 1
tiers:
  windowMonths: 12
  guaranteeMonths: 12
  downgrade: to-qualifying
  levels:
    - { id: membre, name: Membre, minSpendCents: 0 }
    - { id: or, name: Or, minSpendCents: 50000 }
rewards:
  - { id: bon, name: Bon, kind: voucher, costPoints: 100, valueCents: 500 }
expiry: { months: 24 }
`;

let configDir: string;
beforeEach(async () => {
  configDir = await mkdtemp(path.join(tmpdir(), 'relance-config-'));
});
afterEach(async () => {
  await rm(configDir, { recursive: true, force: true });
});

async function merchant(id: string, files: { merchant?: string; program?: string }): Promise<string> {
  const dir = path.join(configDir, 'merchants', id);
  await mkdir(dir, { recursive: true });
  if (files.merchant !== undefined) await writeFile(path.join(dir, 'merchant.yaml'), files.merchant);
  if (files.program !== undefined) await writeFile(path.join(dir, 'program.yaml'), files.program);
  return dir;
}

async function problemsOf(load: Promise<unknown>): Promise<readonly string[]> {
  const error = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MerchantConfigError);
  return (error as MerchantConfigError).problems;
}

describe('the example caviste shipped in config/', () => {
  it('loads, with its program identified by the hash of its canonical definition', async () => {
    const [demo, ...others] = await loadMerchantConfigs(REPO_CONFIG);
    expect(others).toEqual([]);
    expect(demo).toMatchObject({ id: 'cave-demo', timeZone: 'Europe/Paris', currency: 'EUR', alcohol: true });
    expect(demo?.program.definition.tiers.levels.map((l) => l.id)).toEqual(['decouverte', 'amateur', 'connaisseur']);
    expect(demo?.program.version).toMatch(/^[0-9a-f]{64}$/);
    expect(demo?.program.version).toBe(programVersion(demo!.program.definition));
  });
});

describe('a valid merchant folder', () => {
  it('loads with the defaults filled in', async () => {
    await merchant('cave', { merchant: MERCHANT, program: PROGRAM });
    const config = await loadMerchantConfig(configDir, 'cave');
    expect(config).toMatchObject({ id: 'cave', name: 'Cave Test', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' });
    expect(config.program.definition.earn.promoLines).toBe('excluded');
  });

  it('keeps its version when the program is rewritten in another order, and changes it with a rule', async () => {
    await merchant('cave', { merchant: MERCHANT, program: PROGRAM });
    await merchant('cave-bis', {
      merchant: MERCHANT.replace('id: cave', 'id: cave-bis'),
      program: PROGRAM.replace('name: Club\n', '') + 'name: Club\n',
    });
    await merchant('cave-ter', { merchant: MERCHANT.replace('id: cave', 'id: cave-ter'), program: PROGRAM.replace('perEuro: 1', 'perEuro: 2') });
    const [a, b, c] = await loadMerchantConfigs(configDir);
    expect(b?.program.version).toBe(a?.program.version);
    expect(c?.program.version).not.toBe(a?.program.version);
  });
});

describe('a merchant folder with mistakes in both files', () => {
  it('reports every problem at once, each as file:line: path: message', async () => {
    const dir = await merchant('cave', {
      merchant: `id: autre-cave
name: Cave Test
timeZone: Europe/Lyon
alcohol: oui
stores:
  - { id: s1, name: Boutique, city: Lyon }
  - { id: s1, name: Dépôt, city: Lyon, phone: "04" }
`,
      program: PROGRAM.replace('perEuro: 1', 'perEuro: un')
        .replace('minSpendCents: 50000', 'minSpendCents: 0')
        .replace('valueCents: 500 }', 'valueCents: 500, minTier: platine }')
        .replace('expiry: { months: 24 }\n', ''),
    });
    const m = path.join(dir, 'merchant.yaml');
    const p = path.join(dir, 'program.yaml');
    expect(await problemsOf(loadMerchantConfig(configDir, 'cave'))).toEqual([
      `${m}:1: id: must be the folder name "cave" (got "autre-cave")`,
      `${m}:3: timeZone: not an IANA time zone (e.g. Europe/Paris)`,
      `${m}:4: alcohol: must be true or false (got "oui")`,
      `${m}:7: stores[1].phone: unknown setting`,
      `${m}:7: stores[1].id: duplicate store id "s1" (also stores[0])`,
      `${p}:1: expiry: required`,
      `${p}:3: earn.perEuro: must be a number (got "un")`,
      `${p}:10: tiers.levels[1].minSpendCents: must be greater than the previous level's (0): levels go from lowest to highest`,
      `${p}:12: rewards[0].minTier: unknown level "platine" (levels: membre, or)`,
    ]);
  });

  it('points a YAML syntax error at its line, without schema noise from the broken file', async () => {
    const dir = await merchant('cave', { merchant: MERCHANT, program: PROGRAM.replace('  perEuro: 1', '\tperEuro: 1') });
    const problems = await problemsOf(loadMerchantConfig(configDir, 'cave'));
    expect(problems).toEqual([`${path.join(dir, 'program.yaml')}:3: YAML: Tabs are not allowed as indentation`]);
  });

  it('reports a key written twice', async () => {
    const dir = await merchant('cave', { merchant: `${MERCHANT}name: Doublon\n`, program: PROGRAM });
    const problems = await problemsOf(loadMerchantConfig(configDir, 'cave'));
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${escape(path.join(dir, 'merchant.yaml'))}:6: YAML: Map keys must be unique`))]);
  });
});

describe('a config folder with several broken merchants', () => {
  it('reports the problems of all of them together', async () => {
    await merchant('cave', { merchant: MERCHANT, program: PROGRAM });
    const noProgram = await merchant('sans-programme', { merchant: MERCHANT.replace('id: cave', 'id: sans-programme') });
    const badName = await merchant('Cave_Majuscule', { merchant: MERCHANT, program: PROGRAM });
    expect(await problemsOf(loadMerchantConfigs(configDir))).toEqual([
      `${badName}:1: folder name is not a merchant id (lower-case letters, digits or "-", 2 to 40)`,
      `${path.join(noProgram, 'program.yaml')}:1: file not found`,
    ]);
  });

  it('says so when there is no merchants folder', async () => {
    expect(await problemsOf(loadMerchantConfigs(configDir))).toEqual([
      `${path.join(configDir, 'merchants')}:1: no such folder (one folder per merchant: merchants/<merchantId>/merchant.yaml)`,
    ]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe("a merchant's channel, price and quiet-hour settings", () => {
  it('default to the French rules and euro prices', async () => {
    await merchant('cave', { merchant: MERCHANT, program: PROGRAM });
    const config = await loadMerchantConfig(configDir, 'cave');
    expect(config).toMatchObject({
      channels: { email: { fromAddress: null, unsubscribeBaseUrl: null }, sms: { senderName: null, stopNumber: null }, postal: { returnAddress: null } },
      channelPrices: { emailPerThousand: 100, smsSegmentPerThousand: 7000, rcsMessagePerThousand: 15000, letterPerThousand: 220000, letterExtraSheetPerThousand: 15000 },
      quietHours: { channels: ['sms', 'rcs'], days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'], from: '08:00', to: '20:00', publicHolidays: 'FR' },
      globalControlGroupPercent: 0,
    });
  });

  it('report each mistake at its line', async () => {
    const dir = await merchant('cave', {
      merchant: `${MERCHANT}channels:
  email: { fromAddress: bonjour, unsubscribeBaseUrl: http://cave.example/stop }
  sms: { senderName: "06 12 34 56 78", stopNumber: "STOP" }
channelPrices: { emailPerThousand: -1 }
quietHours: { from: "20:00", to: "08:00", publicHolidays: XX }
globalControlGroupPercent: 60
`,
      program: PROGRAM,
    });
    const m = path.join(dir, 'merchant.yaml');
    expect(await problemsOf(loadMerchantConfig(configDir, 'cave'))).toEqual([
      `${m}:7: channels.email.fromAddress: an email address`,
      `${m}:7: channels.email.unsubscribeBaseUrl: an https:// address`,
      `${m}:8: channels.sms.senderName: 3 to 11 letters, digits or spaces, starting with a letter`,
      `${m}:8: channels.sms.stopNumber: a five-digit short number (e.g. 36111)`,
      `${m}:9: channelPrices.emailPerThousand: must be at least 0`,
      `${m}:10: quietHours.publicHolidays: a country code known to date-holidays (e.g. FR, or FR-57 for Moselle)`,
      `${m}:10: quietHours.to: "from" must be before "to"`,
      `${m}:11: globalControlGroupPercent: must be at most 50`,
    ]);
  });
});
