import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { PDFDocument } from 'pdf-lib';
import { defaultPrices, MerciFacteurAdapter, MerciFacteurApi, messageIdFromReference, type LetterMessage } from '@relance/channels';
import { FakeMerciFacteur, merciFacteurWebhook } from '@relance/testing/fake-providers/fake-merci-facteur.js';

const WEBHOOK_SECRET = 'mf-webhook-secret-123';

let fake: FakeMerciFacteur;
let adapter: MerciFacteurAdapter;

beforeEach(async () => {
  fake = await FakeMerciFacteur.start();
  const api = new MerciFacteurApi({ baseUrl: fake.baseUrl, serviceId: fake.serviceId, secretKey: fake.secretKey, userId: 17460 });
  adapter = new MerciFacteurAdapter(api, { prices: defaultPrices('EUR'), webhookSecret: WEBHOOK_SECRET });
});

afterEach(async () => {
  await fake.close();
});

const MESSAGE_ID = '0193a5c2-7d4e-7b21-9f3a-5c8e2d1b4a60';

function letter(overrides: Partial<LetterMessage> = {}): LetterMessage {
  return {
    channel: 'postal',
    messageId: MESSAGE_ID,
    merchantId: 'cave-demo',
    customerId: 'cust-1',
    campaignId: 'tasting-invitation',
    marketing: true,
    to: { name: 'Mme Élodie Martin', lines: ['Bâtiment B', '3 place Bellecour'], postcode: '69002', city: 'Lyon' },
    sender: { name: 'La Cave des Halles', lines: ['12 rue des Halles'], postcode: '69001', city: 'Lyon' },
    subject: 'Invitation à la dégustation',
    dateLine: 'Lyon, le 3 décembre 2026',
    body: "Bonjour Élodie,\n\nVous êtes invitée à la dégustation du 12 décembre.\n\n**L'abus d'alcool est dangereux pour la santé, à consommer avec modération.**",
    ...overrides,
  };
}

describe('a letter sent through Merci Facteur', () => {
  it('gets a token signed with the secret key, then sends the PDF with every address key, our reference and an antidoublon', async () => {
    const outcome = await adapter.send(letter());
    expect(fake.tokensIssued).toHaveLength(1);
    const [sent] = fake.letters;
    if (!sent) throw new Error('nothing sent');
    expect(sent.form).toMatchObject({ idUser: '17460', modeEnvoi: 'normal', antidoublon: `relance-cave-demo-${MESSAGE_ID}` });
    expect(sent.adress.exp).toEqual({ civilite: '', nom: 'La Cave des Halles', prenom: '', societe: '', adresse1: '12 rue des Halles', adresse2: '', adresse3: '', cp: '69001', ville: 'Lyon', pays: 'FRANCE', email: '' });
    expect(sent.adress.dest).toEqual([
      { civilite: '', nom: 'Mme Élodie Martin', prenom: '', societe: '', adresse1: 'Bâtiment B', adresse2: '3 place Bellecour', adresse3: '', cp: '69002', ville: 'Lyon', pays: 'FRANCE', phone: '', email: '', consent: 0, reference: expect.any(String) },
    ]);
    const reference = String(sent.adress.dest[0]?.reference);
    expect(reference.length).toBeLessThanOrEqual(30);
    expect(messageIdFromReference(reference)).toBe(MESSAGE_ID);
    expect((await PDFDocument.load(sent.pdf)).getPageCount()).toBe(1);
    expect(outcome).toEqual({ kind: 'accepted', messageId: MESSAGE_ID, provider: 'merci-facteur', providerMessageId: String(sent.envoiId), channel: 'postal', units: 1, cost: { amountMinor: 187, currency: 'EUR' } });
  });

  it('keeps its token for the next letters', async () => {
    await adapter.send(letter());
    await adapter.send(letter({ messageId: 'msg-2' }));
    expect(fake.tokensIssued).toHaveLength(1);
    expect(fake.letters).toHaveLength(2);
  });

  it('sent again after an answer was lost, is refused by the antidoublon and reported as sent, not printed twice', async () => {
    expect(await adapter.send(letter())).toMatchObject({ kind: 'accepted' });
    expect(await adapter.send(letter())).toMatchObject({ kind: 'accepted', duplicate: true, providerMessageId: `antidoublon:${MESSAGE_ID}` });
    expect(fake.letters).toHaveLength(1);
  });

  it('a 503 is retryable with the delay asked; a refusal of the content is permanent', async () => {
    await adapter.send(letter({ messageId: 'warm-up' }));
    fake.respondNext({ status: 503, headers: { 'retry-after': '120' }, body: 'maintenance' });
    expect(await adapter.send(letter())).toMatchObject({ kind: 'retryable', httpStatus: 503, retryAfterMs: 120_000 });
    fake.respondNext({ status: 200, body: { success: false, error: 'INFO_ADDRESS_MISSING' } });
    expect(await adapter.send(letter())).toMatchObject({ kind: 'permanent', code: 'INFO_ADDRESS_MISSING' });
  });

  it('refuses before calling what Merci Facteur cannot print: a fourth street line, a line over 38 characters', async () => {
    expect(await adapter.send(letter({ to: { name: 'A', lines: ['1', '2', '3', '4'], postcode: '69001', city: 'Lyon' } }))).toMatchObject({ kind: 'permanent', code: 'address-too-many-lines' });
    expect(await adapter.send(letter({ to: { name: 'A', lines: ['Résidence des Grands Crus du Beaujolais, bât. 4'], postcode: '69001', city: 'Lyon' } }))).toMatchObject({ kind: 'permanent', code: 'address-line-too-long', reason: 'line 2 (an address line) has 47 characters: at most 38' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("Merci Facteur's webhooks", () => {
  const url = 'https://engine.example/webhooks/merci-facteur?merchant=cave-demo';
  const detail = (status: string, extra: Record<string, unknown> = {}) => ({
    nom: 'Martin', cp: '69002', ville: 'Lyon', pays: 'FRANCE', ref_courrier: '123456-789', mode_envoi: 'normal', id_envoi: '1000',
    statut_courrier: status, statut_description: 'texte', ref_interne: '_AZOlwn1OeyGfOlyOLRtKYA', tracking_number: null, ...extra,
  });

  it('maps printing to progress, delivery to delivered, a return to sender to a permanent failure, each with our message id', async () => {
    const at = 1_796_000_000;
    const verdicts = [
      adapter.verifyWebhook(merciFacteurWebhook(WEBHOOK_SECRET, url, { name_event: 'printed', id_user: 17460, date_event: at }, [detail('imprime')])),
      adapter.verifyWebhook(merciFacteurWebhook(WEBHOOK_SECRET, url, { name_event: 'delivered', id_user: 17460, date_event: at }, [detail('distribue')])),
      adapter.verifyWebhook(merciFacteurWebhook(WEBHOOK_SECRET, url, { name_event: 'pnd', id_user: 17460, date_event: at }, [detail('distribue_expediteur')])),
    ];
    expect(verdicts).toMatchObject([
      { accepted: true, events: [{ kind: 'progress', status: 'imprime', messageId: MESSAGE_ID, merchantId: 'cave-demo', providerMessageId: '1000', providerEventId: 'printed:imprime:123456-789' }] },
      { accepted: true, events: [{ kind: 'delivered', deliveredVia: 'postal', occurredAt: new Date(at * 1000).toISOString() }] },
      { accepted: true, events: [{ kind: 'failed', permanent: true, code: 'pnd' }] },
    ]);
  });

  it('refuses a request without the webhook secret or with another one', () => {
    const request = merciFacteurWebhook('wrong-secret-12345678', url, { name_event: 'delivered', date_event: 1 }, [detail('distribue')]);
    expect(adapter.verifyWebhook(request)).toMatchObject({ accepted: false, httpStatus: 401 });
    expect(adapter.verifyWebhook({ ...request, headers: {} })).toMatchObject({ accepted: false, httpStatus: 401 });
  });
});
