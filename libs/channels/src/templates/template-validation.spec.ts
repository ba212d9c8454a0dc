import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_MERCHANT, DEMO_TEMPLATES } from '@relance/testing/demo-templates.js';
import { formatTemplateProblem, TemplateCatalog, type MerchantProfile } from './template-catalog.js';
import { contentFieldsOf, offerFieldsOf, validateMerchantTemplates } from './template-validation.js';

const CAMPAIGNS = [
  'welcome', 'birthday', 'reactivation', 'points-expiring', 'big-basket',
  'tier-upgrade', 'at-risk', 'beaujolais-nouveau', 'december-challenge', 'tasting-invitation',
];

describe("the demo caviste's templates", () => {
  it('validate without a single problem, email and SMS for every example campaign, letters for two', async () => {
    const required = [
      ...CAMPAIGNS.flatMap((id) => [{ channel: 'email' as const, templateId: id }, { channel: 'sms' as const, templateId: id }]),
      { channel: 'postal' as const, templateId: 'reactivation' },
      { channel: 'postal' as const, templateId: 'tasting-invitation' },
    ];
    const { catalog, problems } = await validateMerchantTemplates(DEMO_TEMPLATES, DEMO_MERCHANT, { stopNumber: '36111', required });
    expect(problems.map(formatTemplateProblem)).toEqual([]);
    expect(catalog.list()).toHaveLength(22);
  });

  it('say what each expects from its campaign', async () => {
    const { catalog } = await TemplateCatalog.load(DEMO_TEMPLATES, DEMO_MERCHANT);
    const points = catalog.get('email', 'points-expiring');
    if (!points) throw new Error('missing');
    expect(offerFieldsOf(points)).toEqual(['expiresOn', 'expiringPoints']);
    expect(contentFieldsOf(points)).toEqual([]);
  });

  it('say what each needs from its campaign\'s content: the cuvée of the Beaujolais, the tasting\'s winery, date and place', async () => {
    const { catalog } = await TemplateCatalog.load(DEMO_TEMPLATES, DEMO_MERCHANT);
    const fields = (channel: 'email' | 'sms' | 'postal', id: string) => contentFieldsOf(catalog.get(channel, id)!);
    expect(fields('email', 'beaujolais-nouveau')).toEqual(['bottlePriceMinor', 'cuvee', 'origin', 'releaseDate', 'vintage']);
    expect(fields('sms', 'beaujolais-nouveau')).toEqual(['bottlePriceMinor', 'releaseDate', 'vintage']);
    expect(fields('postal', 'tasting-invitation')).toEqual(['appellation', 'startsAt', 'storeName', 'wineCount', 'winery']);
    expect(offerFieldsOf(catalog.get('email', 'tasting-invitation')!)).toEqual([]);
  });
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'relance-templates-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function template(channel: string, locale: string, id: string, content: string): Promise<string> {
  const folder = path.join(dir, channel, locale);
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${id}.hbs`);
  await writeFile(file, content);
  return file;
}

const EMAIL_OK = `--- subject ---
Bonjour {{firstName customer.firstName}}
--- html ---
<p>{{> shopName}}</p>
{{> loiEvin}}
{{> optOut}}
--- text ---
{{> shopName}}
{{> loiEvin}}
{{> optOut}}
`;

async function problems(merchant: MerchantProfile = DEMO_MERCHANT, options = {}) {
  return (await validateMerchantTemplates(dir, merchant, options)).problems.map(formatTemplateProblem);
}

describe('a template missing what the law requires', () => {
  it('is refused at its file and section, naming what is missing', async () => {
    const email = await template('email', 'fr-FR', 'promo', EMAIL_OK.replace('{{> optOut}}\n--- text ---', '--- text ---'));
    const sms = await template('sms', 'fr-FR', 'promo', '{{> shopName}} : -10 % sur le Jura. {{> optOut}}\n');
    const letter = await template('postal', 'fr-FR', 'promo', '--- body ---\nBonjour,\n\n{{> loiEvin}}\n');
    expect(await problems()).toEqual([
      `${email}:4: html: {{> optOut}} is missing (the unsubscribe link)`,
      `${letter}:2: body: {{> shopName}} is missing (the shop name)`,
      `${letter}:2: body: {{> optOut}} is missing (the postal opt-out line)`,
      `${sms}:1: body: {{> loiEvin}} is missing (the Loi Évin health warning)`,
    ]);
  });

  it('does not need the Loi Évin warning when the merchant sells no alcohol', async () => {
    await template('sms', 'fr-FR', 'promo', '{{> shopName}} : -10 % sur les chocolats. {{> optOut}}\n');
    expect(await problems({ ...DEMO_MERCHANT, alcohol: false })).toEqual([]);
  });

  it('is refused when a required partial is only shown under a condition, at the partial’s line', async () => {
    const file = await template('sms', 'fr-FR', 'promo', '{{> shopName}} : -10 %.\n{{#if customer.firstName}}{{> loiEvin}}{{/if}} {{> optOut}}\n');
    expect(await problems()).toEqual([`${file}:2: body: {{> loiEvin}} is inside {{#if}}: it must be in every message`]);
  });

  it('names an unknown partial', async () => {
    const file = await template('sms', 'fr-FR', 'promo', '{{> shopName}} {{> loiEvin}} {{> optOut}}\n{{> signature}}\n');
    expect(await problems()).toEqual([`${file}:2: body: unknown partial "signature" (partials: shopName, optOut, loiEvin)`]);
  });
});

describe('a template that cannot render', () => {
  it('reports a syntax error at its line in the file', async () => {
    const file = await template('email', 'fr-FR', 'promo', EMAIL_OK.replace('<p>{{> shopName}}</p>', '<p>{{> shopName}}</p>\n{{#if customer.firstName}}\n<p>Bonjour</p>'));
    const [problem] = await problems();
    expect(problem).toMatch(new RegExp(`^${escape(file)}:8: html: Parse error on line 5: Expecting .*got 'EOF'$`));
  });

  it('reports a variable its sample data does not have, at its line', async () => {
    const file = await template('email', 'fr-FR', 'promo', EMAIL_OK.replace('{{> loiEvin}}\n{{> optOut}}\n--- text', '<p>{{offer.voucher.code}}</p>\n{{> loiEvin}}\n{{> optOut}}\n--- text'));
    expect(await problems()).toEqual([`${file}:5: with its sample data: html: offer.voucher.code is not in the data`]);
  });

  it('reports a helper misused, at its line', async () => {
    const file = await template('sms', 'fr-FR', 'promo', '{{> shopName}} {{> loiEvin}} {{> optOut}}\n{{money offer.price}}\n--- sample ---\noffer:\n  price: "12,50"\n');
    expect(await problems()).toEqual([`${file}:2: with its sample data: body: {{money}}: expects an amount in minor units, got "12,50"`]);
  });

  it('reports a bad sample section at its line', async () => {
    const file = await template('sms', 'fr-FR', 'promo', '{{> shopName}} {{> loiEvin}} {{> optOut}}\n--- sample ---\noffer:\n  a: [1\n');
    expect(await problems()).toEqual([`${file}:5: sample: Flow sequence in block collection must be sufficiently indented and end with a ]`]);
  });

  it('reports a missing section and an unknown one', async () => {
    const file = await template('email', 'fr-FR', 'promo', '--- subject ---\nx\n--- body ---\ny\n');
    expect(await problems()).toEqual([
      `${file}:3: unknown section "body" for email (sections: subject, html, text, sample)`,
      `${file}:1: the "html" section is missing or empty`,
      `${file}:1: the "text" section is missing or empty`,
    ]);
  });
});

describe('an SMS template over its budget', () => {
  const long = (n: number) => `{{> shopName}} : ${'Vin du Jura, récolte 2024. '.repeat(n)}{{> loiEvin}} {{> optOut}}\n`;

  it('is refused above the segment budget, and warned about above the warning threshold', async () => {
    const refused = await template('sms', 'fr-FR', 'long', long(14));
    const warned = await template('sms', 'fr-FR', 'medium', long(8));
    expect(await problems()).toEqual([
      `${refused}:1: 4 SMS segments (GSM-7) with the sample data: at most 3`,
      `${warned}:1: warning: 3 SMS segments (GSM-7) with the sample data: each one is billed`,
    ]);
    expect(await problems(DEMO_MERCHANT, { smsSegments: { warnAbove: 4, refuseAbove: 5 } })).toEqual([]);
  });

  it('warns about a character that makes the SMS UCS-2, naming it', async () => {
    const file = await template('sms', 'fr-FR', 'fete', '{{> shopName}} : la fête du vin jaune. {{> loiEvin}} {{> optOut}}\n');
    expect(await problems()).toEqual([`${file}:1: warning: "ê" is not GSM-7: the SMS is sent as UCS-2, 70 characters a segment instead of 160`]);
  });
});

describe('the templates of a merchant', () => {
  it('each exist in the merchant’s own locale, the fallback of every other', async () => {
    const file = await template('sms', 'en-GB', 'promo', '{{> shopName}} {{> loiEvin}} {{> optOut}}\n');
    expect(await problems()).toEqual([`${file}:1: no fr-FR version of this template: the merchant's locale is the fallback of every other`]);
  });

  it('include every template a campaign names', async () => {
    expect(await problems(DEMO_MERCHANT, { required: [{ channel: 'email', templateId: 'noel' }] })).toEqual([
      `${path.join(dir, 'email', 'fr-FR', 'noel.hbs')}:1: template "noel" for email is named by a campaign but does not exist`,
    ]);
  });

  it('are in channel and locale folders with plain names', async () => {
    await mkdir(path.join(dir, 'fax', 'fr-FR'), { recursive: true });
    await mkdir(path.join(dir, 'sms', 'french'), { recursive: true });
    const file = await template('sms', 'fr-FR', 'Promo_Noel', 'x');
    expect(await problems()).toEqual([
      `${path.join(dir, 'fax')}:1: unknown channel folder (channels: email, sms, rcs, postal)`,
      `${file}:1: template name: lower-case letters, digits and "-"`,
      `${path.join(dir, 'sms', 'french')}:1: not a locale folder (such as fr-FR)`,
    ]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
