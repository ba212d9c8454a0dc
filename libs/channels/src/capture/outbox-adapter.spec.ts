import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import type { EmailMessage, LetterMessage, RcsMessage, SmsMessage } from '../channel-adapter.js';
import { defaultPrices } from '../costs.js';
import { OutboxAdapter } from './outbox-adapter.js';

let dir: string;
let outbox: OutboxAdapter;
const NOW = new Date('2026-12-03T09:15:00Z');

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'relance-outbox-'));
  outbox = new OutboxAdapter({ dir, prices: defaultPrices('EUR'), stopNumber: '36111', unsubscribeMailto: 'desinscription@cave-des-halles.example' }, () => NOW);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const envelope = { merchantId: 'cave-demo', customerId: 'cust-1', campaignId: 'birthday', marketing: true } as const;

const email: EmailMessage = {
  ...envelope,
  channel: 'email',
  messageId: 'msg-email-1',
  to: { email: 'elodie@example.fr', name: 'Élodie Martin' },
  from: { email: 'cave@cave-des-halles.example', name: 'La Cave des Halles' },
  subject: 'Élodie, un bon de 10 € pour votre anniversaire — valable jusqu’au 31 décembre',
  html: '<p>Bonjour Élodie,</p><p>Votre bon : <strong>ANNIV-7K3Q</strong></p>',
  text: 'Bonjour Élodie,\n\nVotre bon : ANNIV-7K3Q',
  unsubscribeUrl: 'https://engine.example/u/u1.cave-demo.cust-1.email.msg-email-1.sig',
};

/** Just enough of RFC 5322 / MIME to read back what a mail client reads. */
function parseEml(source: string) {
  const [head = '', ...rest] = source.split('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n /g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const boundary = /boundary="([^"]+)"/.exec(headers.get('content-type') ?? '')?.[1] ?? '';
  const parts = rest
    .join('\r\n\r\n')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [partHead = '', body = ''] = part.replace(/^\r\n/, '').split('\r\n\r\n');
      return { type: /Content-Type: ([^;]+)/.exec(partHead)?.[1], charset: /charset=([^\s;]+)/.exec(partHead)?.[1], body: Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8') };
    });
  // RFC 2047: blanks between two encoded words are not part of the text; around one, they are.
  const decode = (value: string) =>
    value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?B\?([^?]+)\?=/g, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
  return { headers, parts, decode };
}

describe('capture mode', () => {
  it('writes an email as an .eml a mail client opens: UTF-8 parts, encoded headers, the unsubscribe headers', async () => {
    const outcome = await outbox.send(email);
    const file = path.join(dir, 'cave-demo', 'email', 'msg-email-1.eml');
    expect(outcome).toEqual({ kind: 'accepted', messageId: 'msg-email-1', provider: 'capture', providerMessageId: 'cave-demo/email/msg-email-1.eml', channel: 'email', units: 1, cost: { amountMinor: 0, currency: 'EUR' } });
    const source = await readFile(file, 'utf8');
    expect(source.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    expect(/^[\x00-\x7f]*$/.test(source)).toBe(true);
    const { headers, parts, decode } = parseEml(source);
    expect(decode(headers.get('subject') ?? '')).toBe(email.subject);
    expect(decode(headers.get('to') ?? '')).toBe('Élodie Martin <elodie@example.fr>');
    expect(headers.get('from')).toBe('"La Cave des Halles" <cave@cave-des-halles.example>');
    expect(headers.get('list-unsubscribe')).toBe(`<${email.unsubscribeUrl}>, <mailto:desinscription@cave-des-halles.example>`);
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(headers.get('mime-version')).toBe('1.0');
    expect(headers.get('date')).toBe('Thu, 03 Dec 2026 09:15:00 +0000');
    expect(headers.get('message-id')).toBe('<msg-email-1@outbox.relance>');
    expect(parts).toEqual([
      { type: 'text/plain', charset: 'UTF-8', body: email.text },
      { type: 'text/html', charset: 'UTF-8', body: email.html },
    ]);
  });

  it('writes an SMS as text with its encoding, segments and cost', async () => {
    const sms: SmsMessage = {
      ...envelope,
      channel: 'sms',
      messageId: 'msg-sms-1',
      to: { phone: '06 12 34 56 78' },
      shopName: 'La Cave des Halles',
      body: 'La Cave des Halles : fête du beaujolais jeudi. STOP au 36111',
    };
    expect(await outbox.send(sms)).toMatchObject({ kind: 'accepted', units: 1, cost: { amountMinor: 7 } });
    const text = await readFile(path.join(dir, 'cave-demo', 'sms', 'msg-sms-1.txt'), 'utf8');
    expect(text).toContain('To: +33612345678');
    expect(text).toContain('Encoding: UCS-2  Segments: 1  (60 UTF-16 units, 60 characters)');
    expect(text).toContain('Cost: 0,07\u00A0€');
    expect(text.endsWith(`\n\n${sms.body}\n`)).toBe(true);
  });

  it('writes an RCS message with its SMS fallback cost', async () => {
    const rcs: RcsMessage = { ...envelope, channel: 'rcs', messageId: 'msg-rcs-1', to: { phone: '+33612345678' }, shopName: 'La Cave des Halles', body: 'La Cave des Halles : dégustation samedi. STOP au 36111' };
    await outbox.send(rcs);
    const text = await readFile(path.join(dir, 'cave-demo', 'rcs', 'msg-rcs-1.txt'), 'utf8');
    expect(text).toContain('Channel: RCS (SMS fallback below)');
    expect(text).toContain('Cost: 0,15\u00A0€ as RCS; as SMS: 0,07\u00A0€');
  });

  it('writes a letter as its PDF', async () => {
    const letter: LetterMessage = {
      ...envelope,
      channel: 'postal',
      messageId: 'msg-letter-1',
      to: { name: 'Mme Élodie Martin', lines: ['3 place Bellecour'], postcode: '69002', city: 'Lyon' },
      sender: { name: 'La Cave des Halles', lines: ['12 rue des Halles'], postcode: '69001', city: 'Lyon' },
      subject: 'Invitation',
      dateLine: 'Lyon, le 3 décembre 2026',
      body: 'Bonjour,\n\nÀ bientôt.',
    };
    expect(await outbox.send(letter)).toMatchObject({ kind: 'accepted', channel: 'postal', units: 1, cost: { amountMinor: 220 } });
    const pdf = await PDFDocument.load(await readFile(path.join(dir, 'cave-demo', 'postal', 'msg-letter-1.pdf')));
    expect(pdf.getPageCount()).toBe(1);
  });

  it('checks like a provider: no file for a marketing SMS without its STOP mention or an email without its link', async () => {
    const sms: SmsMessage = { ...envelope, channel: 'sms', messageId: 'msg-sms-2', to: { phone: '+33612345678' }, shopName: 'La Cave des Halles', body: 'La Cave des Halles : -10 %' };
    expect(await outbox.send(sms)).toMatchObject({ kind: 'permanent', code: 'compliance' });
    expect(await outbox.send({ ...email, messageId: 'msg-email-2', unsubscribeUrl: null })).toMatchObject({ kind: 'permanent', code: 'unsubscribe-missing' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('a message written again replaces its file', async () => {
    await outbox.send(email);
    await outbox.send({ ...email, text: 'Nouvelle version' });
    const files = await readdir(path.join(dir, 'cave-demo', 'email'));
    expect(files).toEqual(['msg-email-1.eml']);
    expect(parseEml(await readFile(path.join(dir, 'cave-demo', 'email', files[0] ?? ''), 'utf8')).parts[0]?.body).toBe('Nouvelle version');
  });
});
