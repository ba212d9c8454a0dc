import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { streams, type EventData } from '@relance/domain';
import { PDFDocument } from 'pdf-lib';
import { deliveryEnv, eventually, type DeliveryEnv } from './support/delivery-env.js';

let t: DeliveryEnv;
let outbox: string;

beforeAll(async () => {
  outbox = await mkdtemp(path.join(tmpdir(), 'relance-outbox-'));
  // No provider credentials: every channel goes to the outbox.
  t = await deliveryEnv('cap', { SENDGRID_API_KEY: '', SENDGRID_WEBHOOK_PUBLIC_KEY: '', TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_MESSAGING_SERVICE_SID: '', OUTBOX_DIR: outbox });
  t.relay().start();
  t.workers().start();
});

afterAll(async () => {
  await t.close();
  await rm(outbox, { recursive: true, force: true });
});

/** The .eml's base64 parts decoded: what the customer reads. */
function decodedEml(eml: string): string {
  return [...eml.matchAll(/Content-Transfer-Encoding: base64\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/g)].map((m) => Buffer.from(m[1]!.replace(/\s/g, ''), 'base64').toString('utf8')).join('\n');
}

const sentOf = async (messageId: string) =>
  (await t.messageEvents(messageId)).find((e) => e.type === 'MessageSent')?.data as EventData<'MessageSent'> | undefined;

describe('capture mode: no provider configured', () => {
  it('writes the email as an .eml, the SMS as text with its segments, the letter as its PDF, and records them sent by "capture"', async () => {
    await t.customer('cap-1', ['email', 'sms', 'postal'], {
      firstName: 'Jeanne',
      lastName: 'Durand',
      email: 'jeanne@example.fr',
      phone: '+33611223344',
      postalAddress: { line1: '8 rue Mercière', postalCode: '69002', city: 'Lyon', country: 'FR' },
    });
    // The reactivation letter carries the voucher its decision issued on the customer's stream.
    const voucher: EventData<'VoucherIssued'> = {
      customerId: 'cap-1', voucherId: 'vch-cap-1', code: 'RETOUR-4M8P', campaignId: 'reactivation', messageId: null, kind: 'amount', currency: 'EUR',
      valueCents: 1000, percent: null, minimumPurchaseCents: 0, issuedAt: '2026-12-02T09:00:00.000Z', expiresAt: '2027-01-02T23:00:00.000Z',
    };
    await t.shop.append(streams.customer(t.merchantId, 'cap-1'), [{ type: 'VoucherIssued', data: voucher }], voucher.issuedAt);

    const email = await t.queue('cap-1', 'email');
    const sms = await t.queue('cap-1', 'sms');
    const letter = await t.queue('cap-1', 'postal', { campaignId: 'reactivation', templateId: 'reactivation', voucher: { voucherId: 'vch-cap-1', code: 'RETOUR-4M8P' } });
    await eventually(async () => !!(await sentOf(email.messageId)) && !!(await sentOf(sms.messageId)) && !!(await sentOf(letter.messageId)), 'the three captures');

    const dir = path.join(outbox, t.merchantId);
    const eml = await readFile(path.join(dir, 'email', `${email.messageId}.eml`), 'utf8');
    expect(eml).toMatch(/^To: /m);
    expect(eml).toContain('jeanne@example.fr');
    expect(eml).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(eml).toContain('multipart/alternative');

    const text = await readFile(path.join(dir, 'sms', `${sms.messageId}.txt`), 'utf8');
    expect(text).toMatch(/Segments: 2/);
    expect(text).toContain('STOP au 36111');

    const pdf = await readFile(path.join(dir, 'postal', `${letter.messageId}.pdf`));
    expect((await PDFDocument.load(pdf)).getPageCount()).toBeGreaterThanOrEqual(1);

    expect(await sentOf(email.messageId)).toMatchObject({ provider: 'capture', channel: 'email' });
    expect(await sentOf(sms.messageId)).toMatchObject({ provider: 'capture', channel: 'sms', units: 2 });
    expect(await sentOf(letter.messageId)).toMatchObject({ provider: 'capture', channel: 'postal' });
  });

  it("renders the Beaujolais nouveau and the tasting invitation with their campaign's content, on every channel", async () => {
    await t.customer('cap-3', ['email', 'sms', 'postal'], {
      firstName: 'paul',
      email: 'paul@example.fr',
      phone: '+33622334455',
      postalAddress: { line1: '3 place Bellecour', postalCode: '69002', city: 'Lyon', country: 'FR' },
    });
    const beaujolais = { campaignId: 'beaujolais-nouveau', templateId: 'beaujolais-nouveau' };
    const tasting = { campaignId: 'invitation-degustation', templateId: 'tasting-invitation' };
    const messages = [
      await t.queue('cap-3', 'email', beaujolais),
      await t.queue('cap-3', 'sms', beaujolais),
      await t.queue('cap-3', 'email', tasting),
      await t.queue('cap-3', 'sms', tasting),
      await t.queue('cap-3', 'postal', tasting),
    ];
    await eventually(async () => (await Promise.all(messages.map((m) => t.messageEvents(m.messageId)))).every((events) => events.length > 1), 'the five outcomes');
    for (const m of messages) expect((await t.messageEvents(m.messageId))[1]).toMatchObject({ type: 'MessageSent', data: { provider: 'capture', channel: m.channel } });

    const dir = path.join(outbox, t.merchantId);
    const [beaujolaisEmail, beaujolaisSms, tastingEmail, tastingSms, tastingLetter] = messages.map((m) => m.messageId);
    const eml = decodedEml(await readFile(path.join(dir, 'email', `${beaujolaisEmail}.eml`), 'utf8'));
    expect(eml).toContain('la cuvée du Domaine des Terres Dorées, gamay de Charnay');
    expect(eml).toMatch(/jeudi 19 novembre/);
    expect(eml).toMatch(/12,90\s€/);
    expect(await readFile(path.join(dir, 'sms', `${beaujolaisSms}.txt`), 'utf8')).toMatch(/beaujolais nouveau 2026 arrive en boutique le 19\/11/);
    const invitation = decodedEml(await readFile(path.join(dir, 'email', `${tastingEmail}.eml`), 'utf8'));
    expect(invitation).toContain('Domaine de la Tournelle');
    expect(invitation).toContain('(Arbois)');
    expect(invitation).toContain('à La Cave des Halles');
    expect(invitation).toMatch(/samedi 12 décembre.{0,6}18:00/);
    expect(await readFile(path.join(dir, 'sms', `${tastingSms}.txt`), 'utf8')).toMatch(/dégustation Domaine de la Tournelle \(Arbois\) le 12\/12\/2026 à 18:00/);
    const letter = await readFile(path.join(dir, 'postal', `${tastingLetter}.pdf`));
    expect((await PDFDocument.load(letter)).getPageCount()).toBe(1);
  });

  it('fails a message whose template needs data its decision did not record, naming the template and the field, and writes no file', async () => {
    await t.customer('cap-2', ['email']);
    const queued = await t.queue('cap-2', 'email', { campaignId: 'anniversaire', templateId: 'birthday' });
    await eventually(async () => (await t.messageEvents(queued.messageId)).length > 1, 'the failure');
    const failed = (await t.messageEvents(queued.messageId))[1]!;
    expect(failed).toMatchObject({ type: 'MessageFailed', data: { permanent: true, code: 'template' } });
    expect(String(failed.data.reason)).toMatch(/^templates\/email\/fr-FR\/birthday\.hbs:\d+: .*valueMinor/);
    await expect(readFile(path.join(outbox, t.merchantId, 'email', `${queued.messageId}.eml`))).rejects.toThrow();
  });
});
