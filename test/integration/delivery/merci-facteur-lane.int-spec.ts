import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MerciFacteurAdapter, messageIdFromReference } from '@relance/channels';
import { PDFDocument } from 'pdf-lib';
import { FakeMerciFacteur } from '../../support/fake-providers/fake-merci-facteur.js';
import { deliveryEnv, eventually, type DeliveryEnv } from './support/delivery-env.js';

let t: DeliveryEnv;
let merciFacteur: FakeMerciFacteur;

beforeAll(async () => {
  merciFacteur = await FakeMerciFacteur.start();
  t = await deliveryEnv('mf', {
    MERCI_FACTEUR_SERVICE_ID: merciFacteur.serviceId,
    MERCI_FACTEUR_SECRET_KEY: merciFacteur.secretKey,
    MERCI_FACTEUR_USER_ID: '17460',
    MERCI_FACTEUR_WEBHOOK_SECRET: 'mf-webhook-secret-123',
    MERCI_FACTEUR_BASE_URL: merciFacteur.baseUrl,
  });
  // Merci Facteur refuses a token request whose timestamp is more than 5 minutes from its own clock.
  t.clock.now = new Date();
  t.relay().start();
  t.workers().start();
});

afterAll(async () => {
  await t.close();
  await merciFacteur.close();
});

const tasting = { campaignId: 'invitation-degustation', templateId: 'tasting-invitation' };
const address = { line1: '3 place Bellecour', postalCode: '69002', city: 'Lyon', country: 'FR' };
const outcomeOf = async (messageId: string) => (await t.messageEvents(messageId)).filter((e) => e.type !== 'MessageQueued');
const sendCalls = () => merciFacteur.requests.filter((r) => r.url.endsWith('/sendCourrier'));

describe('the postal lane with Merci Facteur credentials set', () => {
  it('posts the rendered letter through Merci Facteur, with our reference and antidoublon, and records it sent with its price', async () => {
    expect(t.channels.adapters.postal).toBeInstanceOf(MerciFacteurAdapter);
    await t.customer('mf-1', ['postal'], { firstName: 'Élodie', lastName: 'Martin', postalAddress: address });
    const queued = await t.queue('mf-1', 'postal', tasting);
    await eventually(async () => (await outcomeOf(queued.messageId)).length > 0, 'the letter');

    const [letter] = merciFacteur.letters;
    if (!letter) throw new Error(`no letter reached Merci Facteur: ${JSON.stringify(await outcomeOf(queued.messageId))}`);
    expect(letter.form).toMatchObject({ idUser: '17460', modeEnvoi: 'normal', antidoublon: `relance-${t.merchantId}-${queued.messageId}` });
    expect(letter.adress.dest[0]).toMatchObject({ nom: 'Élodie Martin', adresse1: '3 place Bellecour', cp: '69002', ville: 'Lyon', pays: 'FRANCE' });
    expect(letter.adress.exp).toMatchObject({ nom: 'La Cave des Halles', cp: '69001', ville: 'Lyon' });
    expect(messageIdFromReference(String(letter.adress.dest[0]?.reference))).toBe(queued.messageId);
    const pdf = await PDFDocument.load(letter.pdf);
    expect(pdf.getPageCount()).toBe(1);
    expect(await outcomeOf(queued.messageId)).toMatchObject([
      { type: 'MessageSent', data: { provider: 'merci-facteur', channel: 'postal', providerMessageId: String(letter.envoiId), units: 1 } },
    ]);
  });

  it("waits as asked on a 429, retries a 503, and sends the letter once when Merci Facteur takes it", async () => {
    await t.customer('mf-2', ['postal'], { firstName: 'Paul', lastName: 'Girard', postalAddress: address });
    const before = sendCalls().length;
    merciFacteur.respondNext(
      { status: 429, headers: { 'retry-after': '1' }, body: { success: false, error: 'TOO_MANY_REQUESTS' } },
      { status: 503, headers: { 'retry-after': '1' }, body: 'maintenance' },
    );
    const started = Date.now();
    const queued = await t.queue('mf-2', 'postal', tasting);
    await eventually(async () => (await outcomeOf(queued.messageId)).length > 0, 'the letter after the refusals');

    // Three calls: the 429, the 503, then the one that was taken; waited about a second after each refusal.
    expect(sendCalls().length - before).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(merciFacteur.letters.filter((l) => l.form.antidoublon?.endsWith(queued.messageId))).toHaveLength(1);
    expect((await outcomeOf(queued.messageId)).map((e) => e.type)).toEqual(['MessageSent']);
  });

  it('fails a letter Merci Facteur refuses for good, without retrying it', async () => {
    await t.customer('mf-3', ['postal'], { firstName: 'Anne', lastName: 'Roux', postalAddress: address });
    const before = sendCalls().length;
    merciFacteur.respondNext({ status: 200, body: { success: false, error: 'INFO_ADDRESS_MISSING' } });
    const queued = await t.queue('mf-3', 'postal', tasting);
    await eventually(async () => (await outcomeOf(queued.messageId)).length > 0, 'the failure');
    expect(await outcomeOf(queued.messageId)).toMatchObject([{ type: 'MessageFailed', data: { permanent: true, code: 'INFO_ADDRESS_MISSING' } }]);
    await new Promise((r) => setTimeout(r, 500));
    expect(sendCalls().length - before).toBe(1);
  });
});
