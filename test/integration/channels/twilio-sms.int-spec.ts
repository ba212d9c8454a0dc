import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createTwilioClient, defaultPrices, smsSegments, TwilioSmsAdapter, type SmsMessage } from '@relance/channels';
import { FakeTwilio } from '@relance/testing/fake-providers/fake-twilio.js';

const NOW = new Date('2026-12-03T09:00:00Z');
const CALLBACK = 'https://engine.example/webhooks/twilio/status';
const SERVICE = `MG${'a'.repeat(32)}`;

let fake: FakeTwilio;
let adapter: TwilioSmsAdapter;

beforeEach(async () => {
  fake = await FakeTwilio.start();
  adapter = new TwilioSmsAdapter(
    createTwilioClient({ accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url }),
    { prices: defaultPrices('EUR'), authToken: fake.authToken, statusCallbackUrl: CALLBACK, stopNumber: '36111', messagingServiceSid: SERVICE },
    () => NOW,
  );
});

afterEach(async () => {
  await fake.close();
});

function sms(n: number, overrides: Partial<SmsMessage> = {}): SmsMessage {
  return {
    channel: 'sms',
    messageId: `msg-${n}`,
    merchantId: 'cave-demo',
    customerId: `cust-${n}`,
    campaignId: 'beaujolais-nouveau',
    marketing: true,
    to: { phone: `06 12 34 56 ${String(n).padStart(2, '0')}` },
    shopName: 'La Cave des Halles',
    body: "La Cave des Halles : le beaujolais nouveau 2026 arrive le 19/11, 12,90 € la bouteille. L'abus d'alcool est dangereux pour la santé, à consommer avec modération. STOP au 36111",
    ...overrides,
  };
}

describe('an SMS', () => {
  it('reaches Twilio in E.164, through the Messaging Service, with a status callback carrying only our ids', async () => {
    const message = sms(7);
    const outcome = await adapter.send(message);
    expect(fake.messages).toHaveLength(1);
    const [sent] = fake.messages;
    expect(sent?.params).toEqual({
      To: '+33612345607',
      Body: message.body,
      MessagingServiceSid: SERVICE,
      StatusCallback: `${CALLBACK}?merchant=cave-demo&message=msg-7&channel=sms&segments=2`,
    });
    expect(sent?.params.StatusCallback).not.toContain('612345607');
    const segments = smsSegments(message.body);
    expect(segments).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(outcome).toEqual({ kind: 'accepted', messageId: 'msg-7', provider: 'twilio', providerMessageId: sent?.sid, channel: 'sms', units: 2, cost: { amountMinor: 14, currency: 'EUR' } });
  });

  it('is priced on UCS-2 segments when one character is outside GSM-7', async () => {
    const body = 'La Cave des Halles : fête du beaujolais, 12,90 € la bouteille. STOP au 36111';
    const outcome = await adapter.send(sms(1, { body }));
    expect(smsSegments(body)).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(outcome).toMatchObject({ kind: 'accepted', units: 2 });
    expect(fake.messages[0]?.params.StatusCallback).toContain('segments=2');
  });

  it('is refused before sending without the shop name or the STOP mention, or to a landline', async () => {
    expect(await adapter.send(sms(1, { body: 'Beaujolais nouveau le 19/11. STOP au 36111' }))).toMatchObject({ kind: 'permanent', code: 'compliance', reason: 'a marketing text must name the shop' });
    expect(await adapter.send(sms(2, { body: 'La Cave des Halles : beaujolais nouveau le 19/11.' }))).toMatchObject({ kind: 'permanent', code: 'compliance', reason: 'a marketing text must say "STOP au 36111"' });
    expect(await adapter.send(sms(3, { to: { phone: '04 78 00 00 00' } }))).toMatchObject({ kind: 'permanent', code: 'phone-not-mobile', invalidRecipient: true });
    expect(await adapter.send(sms(4, { to: { phone: '06 12' } }))).toMatchObject({ kind: 'permanent', code: 'phone-invalid', invalidRecipient: true });
    expect(fake.requests).toHaveLength(0);
  });

  it('a transactional text needs no STOP mention', async () => {
    expect(await adapter.send(sms(1, { marketing: false, body: 'La Cave des Halles : votre commande est prête.' }))).toMatchObject({ kind: 'accepted' });
  });
});

describe('what Twilio answers, classified', () => {
  it('429 with Retry-After: retryable after the delay asked, and the SDK does not retry by itself', async () => {
    fake.respondNext({ status: 429, headers: { 'retry-after': '3' }, body: { code: 20429, message: 'Too Many Requests', status: 429 } });
    const outcome = await adapter.send(sms(1));
    expect(outcome).toMatchObject({ kind: 'retryable', httpStatus: 429, code: '20429', retryAfterMs: 3_000, outcomeUnknown: false });
    expect(fake.requests).toHaveLength(1);
    expect(fake.messages).toHaveLength(0);
  });

  it('500: retryable, the outcome unknown', async () => {
    fake.respondNext({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    expect(await adapter.send(sms(1))).toMatchObject({ kind: 'retryable', httpStatus: 500, outcomeUnknown: true, retryAfterMs: null });
  });

  it('21610 (the recipient sent STOP): permanent, and an opt-out to record', async () => {
    fake.unsubscribed.add('+33612345601');
    expect(await adapter.send(sms(1))).toMatchObject({ kind: 'permanent', code: '21610', optedOut: true, invalidRecipient: false, httpStatus: 400 });
  });

  it('21211 (not a valid number for Twilio): permanent, the number unusable', async () => {
    fake.respondNext({ status: 400, body: { code: 21211, message: "The 'To' number +33612345601 is not a valid phone number.", status: 400 } });
    // The reason is kept in events and logs: Twilio's words, without the number.
    expect(await adapter.send(sms(1))).toMatchObject({ kind: 'permanent', code: '21211', invalidRecipient: true, reason: "The 'To' number <number> is not a valid phone number." });
  });

  it('a batch answers one outcome per message, in order', async () => {
    fake.unsubscribed.add('+33612345602');
    const outcomes = await adapter.sendBatch([sms(1), sms(2), sms(3)]);
    expect(outcomes.map((o) => [o.messageId, o.kind])).toEqual([['msg-1', 'accepted'], ['msg-2', 'permanent'], ['msg-3', 'accepted']]);
  });
});
