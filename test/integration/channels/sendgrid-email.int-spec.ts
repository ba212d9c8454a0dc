import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  createSendGridMail,
  defaultPrices,
  renderMessage,
  SendGridEmailAdapter,
  unsubscribeUrl,
  type EmailMessage,
  type SendOutcome,
  type TemplateCatalog,
} from '@relance/channels';
import { demoCatalog } from '@relance/testing/demo-templates.js';
import { contentFor, FakeSendGrid, sendGridWebhookKeys, type SentMail } from '@relance/testing/fake-providers/fake-sendgrid.js';

const SECRET = 'unsubscribe-secret-for-tests';
const NOW = new Date('2026-12-03T09:00:00Z');

let catalog: TemplateCatalog;
let fake: FakeSendGrid;
let adapter: SendGridEmailAdapter;

beforeAll(async () => {
  catalog = await demoCatalog();
});

beforeEach(async () => {
  fake = await FakeSendGrid.start();
  adapter = new SendGridEmailAdapter(
    createSendGridMail({ apiKey: fake.apiKey, baseUrl: fake.url }),
    { prices: defaultPrices('EUR'), webhookPublicKey: sendGridWebhookKeys().publicKey, asmGroupId: 4242, categories: ['relance-marketing'] },
    () => NOW,
  );
});

afterEach(async () => {
  await fake.close();
});

/** The birthday email of customer `n`, rendered from the demo template as the worker will. */
function birthdayEmail(n: number, overrides: Partial<EmailMessage> = {}): EmailMessage {
  const messageId = `msg-${n}`;
  const customerId = `cust-${n}`;
  const url = unsubscribeUrl('https://engine.example/u', SECRET, { merchantId: 'cave-demo', customerId, channel: 'email', messageId });
  const rendered = renderMessage(catalog, {
    channel: 'email',
    templateId: 'birthday',
    customer: { firstName: n % 7 === 0 ? null : `prénom${n}`, tier: null, pointsBalance: n, type: 'b2c' },
    offer: { voucher: { code: `ANNIV-${n}`, valueMinor: 1000, minimumPurchaseMinor: 3000, expiresOn: '2026-12-31' } },
    unsubscribeUrl: url,
  });
  if (rendered.channel !== 'email') throw new Error('expected an email');
  return {
    channel: 'email',
    messageId,
    merchantId: 'cave-demo',
    customerId,
    campaignId: 'birthday',
    marketing: true,
    to: { email: `client${n}@example.fr`, name: `Client ${n}` },
    from: { email: 'cave@cave-des-halles.example', name: 'La Cave des Halles' },
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    unsubscribeUrl: url,
    batchForm: rendered.batchForm,
    ...overrides,
  };
}

describe('a batch of emails rendered from one template', () => {
  it('goes out in requests of at most 1,000 recipients, each with its ids, its unsubscribe headers and its own content', async () => {
    // Every 7th customer has no first name: their email reads differently (the fallback greeting),
    // so 358 of them share a request of their own, and the other 2,142 three requests.
    const messages = Array.from({ length: 2_500 }, (_, n) => birthdayEmail(n));
    const outcomes = await adapter.sendBatch(messages);

    expect(fake.requests).toHaveLength(4);
    expect(fake.mails.map((m) => m.personalizations.length).sort((a, b) => a - b)).toEqual([142, 358, 1000, 1000]);
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${fake.apiKey}`)).toBe(true);
    expect(outcomes.every((o) => o.kind === 'accepted')).toBe(true);

    const byRecipient = new Map(fake.mails.flatMap((mail) => mail.personalizations.map((p) => [p.to[0]?.email, { mail, p }] as const)));
    expect(byRecipient.size).toBe(2_500);
    for (const [n, message] of messages.entries()) {
      const sent = byRecipient.get(`client${n}@example.fr`);
      if (!sent) throw new Error(`client${n} not sent`);
      expect(sent.p.to).toEqual([{ email: `client${n}@example.fr`, name: `Client ${n}` }]);
      expect(sent.p.custom_args).toEqual({ message_id: `msg-${n}`, merchant_id: 'cave-demo' });
      expect(sent.p.headers).toEqual({ 'List-Unsubscribe': `<${message.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
      // What SendGrid makes of the shared content and this recipient's substitutions is exactly what was rendered for them.
      expect(contentFor(sent.mail, sent.p)).toEqual({ subject: message.subject, text: message.text, html: message.html });
      const accepted = outcomes[n] as Extract<SendOutcome, { kind: 'accepted' }>;
      expect(accepted).toMatchObject({ messageId: `msg-${n}`, provider: 'sendgrid', channel: 'email', units: 1, cost: { amountMinor: 0, currency: 'EUR' } });
    }
    const requestIds = new Set(outcomes.map((o) => (o.kind === 'accepted' ? o.providerMessageId : '')));
    expect(requestIds.size).toBe(4);
  });

  it('keeps personal data to the fields that need it: addresses in `to`, names and links in substitutions, never in ids, categories or shared content', async () => {
    const messages = Array.from({ length: 20 }, (_, n) => birthdayEmail(n + 1));
    await adapter.sendBatch(messages);
    const [mail] = fake.mails as [SentMail];
    const shared = JSON.stringify({ ...mail, personalizations: mail.personalizations.map((p) => ({ ...p, to: [], substitutions: {}, headers: {} })) });
    for (const n of messages.keys()) {
      expect(shared).not.toContain(`client${n + 1}@example.fr`);
      expect(shared).not.toContain(`Prénom${n + 1}`);
      expect(shared).not.toContain(`cust-${n + 1}`);
    }
    expect(mail.categories).toEqual(['relance-marketing']);
    expect(mail.asm).toEqual({ group_id: 4242 });
    for (const p of mail.personalizations) expect(JSON.stringify(p.custom_args)).not.toContain('@');
  });

  it('never puts the same address twice in one request', async () => {
    const messages = [birthdayEmail(1), birthdayEmail(2), birthdayEmail(3, { to: { email: 'CLIENT1@example.fr' } })];
    const outcomes = await adapter.sendBatch(messages);
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(fake.mails.map((m) => m.personalizations.map((p) => p.to[0]?.email))).toEqual([['client1@example.fr', 'client2@example.fr'], ['CLIENT1@example.fr']]);
  });

  it('sends messages whose content cannot be shared one request each, with their final content', async () => {
    const messages = [birthdayEmail(1, { batchForm: null }), birthdayEmail(2, { batchForm: null })];
    await adapter.sendBatch(messages);
    expect(fake.mails).toHaveLength(2);
    for (const [i, mail] of fake.mails.entries()) {
      expect(mail.personalizations).toHaveLength(1);
      expect(mail.personalizations[0]?.substitutions).toBeUndefined();
      expect(mail.subject).toBe(messages[i]?.subject);
    }
  });
});

describe('what the provider answers, classified', () => {
  it('429 with Retry-After: retryable after the delay asked, nothing accepted, one request only', async () => {
    fake.respondNext({ status: 429, headers: { 'retry-after': '7' }, body: { errors: [{ field: null, message: 'too many requests' }] } });
    const outcomes = await adapter.sendBatch([birthdayEmail(1), birthdayEmail(2)]);
    expect(fake.requests).toHaveLength(1);
    expect(outcomes).toEqual([1, 2].map((n) => expect.objectContaining({ kind: 'retryable', messageId: `msg-${n}`, httpStatus: 429, retryAfterMs: 7_000, outcomeUnknown: false })));
  });

  it("429 with SendGrid's X-RateLimit-Reset: retryable until the window reopens", async () => {
    const reset = NOW.getTime() / 1000 + 42;
    fake.respondNext({ status: 429, headers: { 'x-ratelimit-reset': String(reset) }, body: { errors: [{ message: 'too many requests' }] } });
    const outcome = await adapter.send(birthdayEmail(1));
    expect(outcome).toMatchObject({ kind: 'retryable', retryAfterMs: 42_000 });
  });

  it('500: retryable, the outcome unknown (SendGrid may have taken it); 503: retryable, not taken', async () => {
    fake.respondNext({ status: 500, body: { errors: [{ message: 'internal error' }] } }, { status: 503, body: 'unavailable' });
    expect(await adapter.send(birthdayEmail(1))).toMatchObject({ kind: 'retryable', httpStatus: 500, retryAfterMs: null, outcomeUnknown: true });
    expect(await adapter.send(birthdayEmail(2))).toMatchObject({ kind: 'retryable', httpStatus: 503, outcomeUnknown: false });
  });

  it('a wrong API key is permanent, for every message of the request', async () => {
    const wrong = new SendGridEmailAdapter(
      createSendGridMail({ apiKey: 'SG.wrong', baseUrl: fake.url }),
      { prices: defaultPrices('EUR'), webhookPublicKey: sendGridWebhookKeys().publicKey },
      () => NOW,
    );
    const outcomes = await wrong.sendBatch([birthdayEmail(1), birthdayEmail(2)]);
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'permanent', httpStatus: 401 }), expect.objectContaining({ kind: 'permanent', httpStatus: 401 })]);
    expect(fake.requests).toHaveLength(1);
  });

  it('one address SendGrid refuses fails alone: the others of its request are sent', async () => {
    fake.rejectedAddresses.add('client2@example.fr');
    const outcomes = await adapter.sendBatch([birthdayEmail(1), birthdayEmail(2), birthdayEmail(3)]);
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'permanent', 'accepted']);
    expect(outcomes[1]).toMatchObject({ httpStatus: 400, invalidRecipient: true, reason: expect.stringContaining('personalizations.0.to.0.email') });
    expect(fake.mails.flatMap((m) => m.personalizations.map((p) => p.to[0]?.email)).sort()).toEqual(['client1@example.fr', 'client3@example.fr']);
  });

  it('refuses before sending: a malformed address, a marketing email without its unsubscribe link', async () => {
    const outcomes = await adapter.sendBatch([birthdayEmail(1, { to: { email: 'not-an-address' } }), birthdayEmail(2, { unsubscribeUrl: null }), birthdayEmail(3)]);
    expect(outcomes[0]).toMatchObject({ kind: 'permanent', code: 'email-invalid', invalidRecipient: true });
    expect(outcomes[1]).toMatchObject({ kind: 'permanent', code: 'unsubscribe-missing' });
    expect(outcomes[2]).toMatchObject({ kind: 'accepted' });
    expect(fake.mails.flatMap((m) => m.personalizations)).toHaveLength(1);
  });

  it('no server listening: retryable, and known not to have been sent', async () => {
    await fake.close();
    const outcome = await adapter.send(birthdayEmail(1));
    expect(outcome).toMatchObject({ kind: 'retryable', code: 'ECONNREFUSED', outcomeUnknown: false, httpStatus: null });
    fake = await FakeSendGrid.start();
  });
});
