import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createTwilioClient, defaultPrices, TwilioRcsAdapter, type ProviderEvent, type RcsMessage } from '@relance/channels';
import { FakeTwilio, signedTwilioRequest } from '@relance/testing/fake-providers/fake-twilio.js';

const NOW = new Date('2026-12-03T09:00:00Z');
const CALLBACK = 'https://engine.example/webhooks/twilio/status';
const SERVICE = `MG${'b'.repeat(32)}`;

let fake: FakeTwilio;
let adapter: TwilioRcsAdapter;

beforeEach(async () => {
  fake = await FakeTwilio.start();
  adapter = new TwilioRcsAdapter(
    createTwilioClient({ accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url }),
    { prices: defaultPrices('EUR'), authToken: fake.authToken, statusCallbackUrl: CALLBACK, stopNumber: '36111', messagingServiceSid: SERVICE, fallbackFrom: 'CAVEHALLES' },
    () => NOW,
  );
});

afterEach(async () => {
  await fake.close();
});

const message: RcsMessage = {
  channel: 'rcs',
  messageId: 'msg-rcs-1',
  merchantId: 'cave-demo',
  customerId: 'cust-1',
  campaignId: 'tasting-invitation',
  marketing: true,
  to: { phone: '+33 6 98 76 54 32' },
  shopName: 'La Cave des Halles',
  body: "La Cave des Halles : dégustation Domaine de la Tournelle (Arbois) le 12/12 à 18:00. L'abus d'alcool est dangereux pour la santé, à consommer avec modération. STOP au 36111",
  contentSid: `HX${'c'.repeat(32)}`,
  contentVariables: { '1': '12/12', '2': '18:00' },
};

/** Twilio's status callback for the message sent, from the sender that carried it, signed with the auth token. */
function callback(sid: string, status: string, from: string, extra: Record<string, string> = {}) {
  const url = fake.message(sid)?.params.StatusCallback ?? '';
  return signedTwilioRequest(fake.authToken, url, {
    MessageSid: sid,
    SmsSid: sid,
    AccountSid: fake.accountSid,
    MessagingServiceSid: SERVICE,
    From: from,
    To: '+33698765432',
    MessageStatus: status,
    SmsStatus: status,
    ApiVersion: '2010-04-01',
    ...extra,
  });
}

function delivered(events: readonly ProviderEvent[]): Extract<ProviderEvent, { kind: 'delivered' }> {
  const [event] = events;
  if (event?.kind !== 'delivered') throw new Error(`expected a delivery, got ${JSON.stringify(event)}`);
  return event;
}

describe('an RCS message', () => {
  it('goes through the Messaging Service with its SMS fallback sender, its rich content and a callback saying it was RCS', async () => {
    const outcome = await adapter.send(message);
    const [sent] = fake.messages;
    expect(sent?.params).toEqual({
      To: '+33698765432',
      MessagingServiceSid: SERVICE,
      Body: message.body,
      ContentSid: message.contentSid,
      ContentVariables: '{"1":"12/12","2":"18:00"}',
      FallbackFrom: 'CAVEHALLES',
      StatusCallback: `${CALLBACK}?merchant=cave-demo&message=msg-rcs-1&channel=rcs&segments=2`,
    });
    expect(outcome).toMatchObject({ kind: 'accepted', channel: 'rcs', units: 1, cost: { amountMinor: 15, currency: 'EUR' }, providerMessageId: sent?.sid });
  });

  it('delivered over RCS: the callback from the rcs: sender says so, at the RCS price', async () => {
    const outcome = await adapter.send(message);
    if (outcome.kind !== 'accepted') throw new Error('not accepted');
    const verdict = adapter.verifyWebhook(callback(outcome.providerMessageId, 'delivered', 'rcs:cave_des_halles_agent'));
    if (!verdict.accepted) throw new Error(verdict.reason);
    expect(delivered(verdict.events)).toMatchObject({
      messageId: 'msg-rcs-1',
      merchantId: 'cave-demo',
      channel: 'rcs',
      deliveredVia: 'rcs',
      units: 1,
      cost: { amountMinor: 15, currency: 'EUR' },
      providerEventId: `${outcome.providerMessageId}:delivered`,
    });
  });

  it('fallen back to SMS: the callback from the SMS sender says so, at the price of its segments', async () => {
    const outcome = await adapter.send(message);
    if (outcome.kind !== 'accepted') throw new Error('not accepted');
    const verdict = adapter.verifyWebhook(callback(outcome.providerMessageId, 'delivered', 'CAVEHALLES'));
    if (!verdict.accepted) throw new Error(verdict.reason);
    expect(delivered(verdict.events)).toMatchObject({ channel: 'rcs', deliveredVia: 'sms', units: 2, cost: { amountMinor: 14, currency: 'EUR' } });
  });

  it('a read receipt is an open; a callback with our ids changed in its URL is refused', async () => {
    const outcome = await adapter.send(message);
    if (outcome.kind !== 'accepted') throw new Error('not accepted');
    const read = adapter.verifyWebhook(callback(outcome.providerMessageId, 'read', 'rcs:cave_des_halles_agent'));
    expect(read).toMatchObject({ accepted: true, events: [{ kind: 'opened', messageId: 'msg-rcs-1' }] });
    const forged = callback(outcome.providerMessageId, 'delivered', 'rcs:cave_des_halles_agent');
    expect(adapter.verifyWebhook({ ...forged, url: forged.url.replace('msg-rcs-1', 'msg-other') })).toMatchObject({ accepted: false, httpStatus: 401 });
  });

  it('once final, the Message resource tells which channel carried it and what Twilio charged', async () => {
    const outcome = await adapter.send(message);
    if (outcome.kind !== 'accepted') throw new Error('not accepted');
    const stored = fake.message(outcome.providerMessageId);
    if (!stored) throw new Error('not stored');
    stored.resource = { ...stored.resource, status: 'delivered', from: 'CAVEHALLES', num_segments: '2', price: '-0.1380', price_unit: 'EUR' };
    expect(await adapter.deliveredChannel(outcome.providerMessageId)).toEqual({ ok: true, via: 'sms', status: 'delivered', units: 2, cost: { amountMinor: 14, currency: 'EUR' } });
    stored.resource = { ...stored.resource, from: 'rcs:cave_des_halles_agent', num_segments: '1', price: '-0.0900', price_unit: 'EUR' };
    expect(await adapter.deliveredChannel(outcome.providerMessageId)).toEqual({ ok: true, via: 'rcs', status: 'delivered', units: 1, cost: { amountMinor: 9, currency: 'EUR' } });
  });

  it('costs, before sending, the dearer of its two ways', () => {
    expect(adapter.estimateCost(message)).toMatchObject({ channel: 'rcs', cost: { amountMinor: 15 } });
    expect(adapter.estimateCost({ ...message, body: 'x'.repeat(500) })).toMatchObject({ channel: 'sms', units: 4, cost: { amountMinor: 28 } });
  });
});
