import { beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_MERCHANT, DEMO_TEMPLATES } from '@relance/testing/demo-templates.js';
import { fillBatchForm } from './batch-form.js';
import { LOI_EVIN_WARNING } from './partials.js';
import { renderMessage, TemplateRenderError, type CustomerData } from './render.js';
import { TemplateCatalog } from './template-catalog.js';

let catalog: TemplateCatalog;
beforeAll(async () => {
  catalog = (await TemplateCatalog.load(DEMO_TEMPLATES, DEMO_MERCHANT)).catalog;
});

const customer: CustomerData = { firstName: 'élodie', tier: { id: 'connaisseur', name: 'Connaisseur' }, pointsBalance: 1250, type: 'b2c' };
const voucher = { code: 'ANNIV-7K3Q', valueMinor: 1000, minimumPurchaseMinor: 3000, expiresOn: '2026-12-31' };
const URL = 'https://engine.example/u/u1.cave-demo.c1.email.m1.sig';

describe('an email', () => {
  it('has its subject, HTML and text, with the shop, the Loi Évin warning and the unsubscribe link', () => {
    const email = renderMessage(catalog, { channel: 'email', templateId: 'birthday', customer, offer: { voucher }, unsubscribeUrl: URL });
    if (email.channel !== 'email') throw new Error('not an email');
    expect(email.subject).toBe('Élodie, un bon de 10\u00A0€ pour votre anniversaire');
    expect(email.text).toContain('un bon d\'achat de 10,00\u00A0€, valable en boutique jusqu\'au 31 décembre 2026');
    expect(email.text).toContain(`Pour vous désinscrire : ${URL}`);
    expect(email.text).toContain(LOI_EVIN_WARNING);
    expect(email.html).toContain(`<a href="${URL}">Se désinscrire</a>`);
    expect(email.html).toContain(`<p style="font-weight:bold">${LOI_EVIN_WARNING}</p>`);
    expect(email).toMatchObject({ templateId: 'birthday', locale: 'fr-FR', version: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('escapes the data in its HTML, not in its text', () => {
    const email = renderMessage(catalog, { channel: 'email', templateId: 'welcome', customer: { ...customer, firstName: "o'brien <b>" }, unsubscribeUrl: URL });
    if (email.channel !== 'email') throw new Error('not an email');
    expect(email.html).toContain('Bonjour O&#x27;Brien &lt;b&gt;,');
    expect(email.text).toContain("Bonjour O'Brien <b>,");
  });

  it('comes with a batch form that gives back exactly its content, and shares its skeleton with other customers', () => {
    const render = (firstName: string, points: number) => {
      const email = renderMessage(catalog, { channel: 'email', templateId: 'birthday', customer: { ...customer, firstName, pointsBalance: points }, offer: { voucher: { ...voucher, code: `C-${points}` } }, unsubscribeUrl: `${URL}${points}` });
      if (email.channel !== 'email' || !email.batchForm) throw new Error('no batch form');
      return email;
    };
    const a = render('élodie', 10);
    const b = render('JEAN', 20);
    expect(fillBatchForm(a.batchForm!)).toEqual({ subject: a.subject, html: a.html, text: a.text });
    expect(fillBatchForm(b.batchForm!)).toEqual({ subject: b.subject, html: b.html, text: b.text });
    expect({ ...a.batchForm, values: [] }).toEqual({ ...b.batchForm, values: [] });
    expect(a.batchForm?.html).not.toContain('Élodie');
    expect(a.batchForm?.values).toContain('Élodie');
  });

  it('has no batch form when the data could be mistaken for a slot or a marker, so it is sent as it is', () => {
    for (const firstName of ['%rl1%', 'a\uE000b']) {
      const email = renderMessage(catalog, { channel: 'email', templateId: 'welcome', customer: { ...customer, firstName }, unsubscribeUrl: URL });
      expect(email).toMatchObject({ channel: 'email', batchForm: null });
    }
  });

  it('cannot render without its unsubscribe URL', () => {
    expect(() => renderMessage(catalog, { channel: 'email', templateId: 'welcome', customer })).toThrow(TemplateRenderError);
  });
});

describe('an SMS', () => {
  it('uses plain spaces where number formatting puts typographic ones, so it stays GSM-7', () => {
    const sms = renderMessage(catalog, { channel: 'sms', templateId: 'big-basket', customer: { ...customer, pointsBalance: 12_450 }, offer: { basketMinor: 123_450, pointsEarned: 1234 }, stopNumber: '36111' });
    if (sms.channel !== 'sms') throw new Error('not an SMS');
    expect(sms.body).toBe(`La Cave des Halles : merci pour votre achat de 1 234,50 €, 1 234 points en plus sur votre Club (solde 12 450). ${LOI_EVIN_WARNING} STOP au 36111`);
    expect(sms.segments).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });

  it('writes amounts in the merchant\'s currency and its minor unit: yen without decimals, dinars with three', async () => {
    for (const [currency, basketMinor, shown] of [
      ['JPY', 12_345, '12 345 JPY'],
      ['KWD', 12_345, '12,345 KWD'],
    ] as const) {
      const inCurrency = (await TemplateCatalog.load(DEMO_TEMPLATES, { ...DEMO_MERCHANT, currency })).catalog;
      const sms = renderMessage(inCurrency, { channel: 'sms', templateId: 'big-basket', customer, offer: { basketMinor, pointsEarned: 12 }, stopNumber: '36111' });
      if (sms.channel !== 'sms') throw new Error('not an SMS');
      expect(sms.body).toContain(`merci pour votre achat de ${shown}, 12 points en plus`);
    }
  });

  it('for RCS, falls back to the SMS template when there is no RCS one', () => {
    const rcs = renderMessage(catalog, { channel: 'rcs', templateId: 'welcome', customer, stopNumber: '36111' });
    expect(rcs).toMatchObject({ channel: 'rcs', file: expect.stringContaining('/sms/fr-FR/welcome.hbs') });
  });

  it('names the missing data with the file and line', () => {
    let error: unknown;
    try {
      renderMessage(catalog, { channel: 'sms', templateId: 'points-expiring', customer, offer: { expiringPoints: 120 }, stopNumber: '36111' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateRenderError);
    expect((error as TemplateRenderError).message).toMatch(/sms\/fr-FR\/points-expiring\.hbs:1: body: \{\{date\}\}: expects a date \(YYYY-MM-DD\) or an ISO instant, got undefined$/);
  });
});

describe('a letter', () => {
  it('has its subject line and body with the bold Loi Évin warning and the postal opt-out line', () => {
    const letter = renderMessage(catalog, { channel: 'postal', templateId: 'reactivation', customer, offer: { voucher } });
    if (letter.channel !== 'postal') throw new Error('not a letter');
    expect(letter.subject).toBe('Un bon d\'achat de 10,00\u00A0€ à votre nom');
    expect(letter.body).toContain(`**${LOI_EVIN_WARNING}**`);
    expect(letter.body).toContain('Pour ne plus recevoir nos courriers');
  });
});

describe('the catalog', () => {
  it('renders in the customer’s locale when there is a template for it, else in the merchant’s', () => {
    expect(catalog.get('sms', 'welcome', 'en-GB')?.locale).toBe('fr-FR');
    expect(catalog.get('sms', 'no-such-template')).toBeNull();
  });

  it('compiles a file once: loading it again gives the same compiled template', async () => {
    const again = (await TemplateCatalog.load(DEMO_TEMPLATES, DEMO_MERCHANT)).catalog;
    expect(again.get('email', 'birthday')).toBe(catalog.get('email', 'birthday'));
  });
});
