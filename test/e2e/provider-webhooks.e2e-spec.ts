import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { referenceOfMessage, signUnsubscribeToken } from '@relance/channels';
import { derivedUuidV7, streams, type EventData } from '@relance/domain';
import type { EventStore } from '@relance/event-store';
import { EVENT_STORE, PG_POOL } from '@relance/platform';
import type pg from 'pg';
import { sendGridWebhookKeys, signedSendGridEvents } from '../support/fake-providers/fake-sendgrid.js';
import { signedTwilioRequest } from '../support/fake-providers/fake-twilio.js';
import { merciFacteurWebhook } from '../support/fake-providers/fake-merci-facteur.js';
import { demoMerchant, freshMerchantId, ROOT, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-prov');
const PUBLIC_URL = 'https://engine.example';
const TWILIO_TOKEN = 'twilio-auth-token-e2e';
const UNSUBSCRIBE_SECRET = 'unsubscribe-secret-e2e-0123456789';
const MF_SECRET = 'mf-webhook-secret-e2e-123';
const keys = sendGridWebhookKeys();
let engine: TestEngine;
let store: EventStore;
let pos: string;

let configDir: string;

beforeAll(async () => {
  // The demo's campaigns and templates under this merchant's id: delivery reads them to reroute.
  configDir = await mkdtemp(path.join(tmpdir(), 'relance-prov-'));
  await cp(path.join(ROOT, 'config/merchants/cave-demo'), path.join(configDir, 'merchants', merchantId), { recursive: true });
  engine = await TestEngine.start([await demoMerchant(merchantId)], {
    env: {
      CONFIG_DIR: configDir,
      PUBLIC_URL,
      SENDGRID_API_KEY: 'SG.e2e',
      SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey,
      TWILIO_ACCOUNT_SID: `AC${'3'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_MESSAGING_SERVICE_SID: `MG${'3'.repeat(32)}`,
      UNSUBSCRIBE_SECRETS: UNSUBSCRIBE_SECRET,
      MERCI_FACTEUR_SERVICE_ID: 'svc-e2e',
      MERCI_FACTEUR_SECRET_KEY: 'mf-secret-key-e2e',
      MERCI_FACTEUR_USER_ID: '17460',
      MERCI_FACTEUR_WEBHOOK_SECRET: MF_SECRET,
      // Webhooks only: messages are written straight to their streams below.
      DELIVERY_WORKERS: 'off',
    },
  });
  store = engine.app.get<EventStore>(EVENT_STORE);
  pos = await engine.key(merchantId, 'pos');
});

afterAll(async () => {
  await engine.close();
  await rm(configDir, { recursive: true, force: true });
});

async function customer(customerId: string, phone: string): Promise<void> {
  const res = await engine.call('POST', '/v1/customers', {
    key: pos,
    idempotencyKey: `enrol-${customerId}`,
    body: {
      customerId,
      profile: { firstName: 'Inès', email: `${customerId}@example.fr`, phone },
      consents: [
        { channel: 'email', purpose: 'marketing' },
        { channel: 'sms', purpose: 'marketing' },
        { channel: 'rcs', purpose: 'marketing' },
      ],
    },
  });
  expect(res.status).toBe(201);
}

/** A message as the rules engine and the worker leave it: queued, then sent. */
async function sentMessage(customerId: string, messageId: string, channel: 'email' | 'sms' | 'postal'): Promise<void> {
  const at = '2026-12-03T09:00:00.000Z';
  const meta = (label: string) => {
    const eventId = derivedUuidV7(at, `${messageId}|${label}`);
    return { eventId, merchantId, correlationId: eventId, causationId: eventId, actor: 'system:test', occurredAt: at, recordedAt: at };
  };
  const queued: EventData<'MessageQueued'> = {
    messageId, campaignId: 'bienvenue', ruleVersion: 'v1', customerId, channel, fallbackChannels: [], purpose: 'marketing', templateId: 'welcome',
    templateVersion: 'x', locale: 'fr-FR', scheduledFor: null, currency: 'EUR', estimatedCostCents: 1, voucher: null, queuedAt: at,
  };
  const sent: EventData<'MessageSent'> = { messageId, campaignId: 'bienvenue', customerId, channel, provider: 'sendgrid', providerMessageId: 'pm-1', units: 1, currency: 'EUR', costCents: 0, sentAt: at };
  await store.append(streams.message(merchantId, messageId), [{ type: 'MessageQueued', data: queued, metadata: meta('q') }, { type: 'MessageSent', data: sent, metadata: meta('s') }], 'no-stream');
}

const messageTypes = async (messageId: string) => (await store.readStream(streams.message(merchantId, messageId))).events.map((e) => e.type);
const consentEvents = async (customerId: string) =>
  (await store.readStream(streams.customer(merchantId, customerId))).events.filter((e) => e.type === 'ConsentWithdrawn').map((e) => e.data as EventData<'ConsentWithdrawn'>);

function postSendGrid(events: unknown[], timestamp = Math.floor(Date.now() / 1000), tamper = false) {
  const request = signedSendGridEvents(keys.privateKey, events, timestamp, `${PUBLIC_URL}/v1/providers/sendgrid/events`);
  const raw = tamper ? Buffer.from(request.rawBody.toString().replace('delivered', 'dropped')) : request.rawBody;
  return engine.call('POST', '/v1/providers/sendgrid/events', { raw, headers: request.headers as Record<string, string> });
}

const sgEvent = (messageId: string, event: string, id: string, extra: Record<string, unknown> = {}) => ({
  email: 'x@example.fr', timestamp: 1796288400, event, sg_event_id: id, sg_message_id: 'pm-1.filter', message_id: messageId, merchant_id: merchantId, ...extra,
});

describe('SendGrid Event Webhook on the engine, with a key pair made for the test', () => {
  it('records a signed delivery once, even when SendGrid posts it twice', async () => {
    await customer('w-1', '+33611111111');
    await sentMessage('w-1', 'msg-w1', 'email');
    const first = await postSendGrid([sgEvent('msg-w1', 'delivered', 'ev-d1')]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ appended: 1 });
    const again = await postSendGrid([sgEvent('msg-w1', 'delivered', 'ev-d1')]);
    expect(again.status).toBe(200);
    expect(await messageTypes('msg-w1')).toEqual(['MessageQueued', 'MessageSent', 'MessageDelivered']);
  });

  it('never moves a message back: an open then a late delivery keeps the open last', async () => {
    await customer('w-2', '+33622222222');
    await sentMessage('w-2', 'msg-w2', 'email');
    await postSendGrid([sgEvent('msg-w2', 'open', 'ev-o2')]);
    const late = await postSendGrid([sgEvent('msg-w2', 'delivered', 'ev-d2')]);
    expect(late.status).toBe(200);
    expect(await messageTypes('msg-w2')).toEqual(['MessageQueued', 'MessageSent', 'MessageOpened']);
  });

  it('answers 401 and writes nothing for a tampered body or an old timestamp', async () => {
    await customer('w-3', '+33633333333');
    await sentMessage('w-3', 'msg-w3', 'email');
    const tampered = await postSendGrid([sgEvent('msg-w3', 'delivered', 'ev-d3')], undefined, true);
    expect(tampered.status).toBe(401);
    const old = await postSendGrid([sgEvent('msg-w3', 'delivered', 'ev-d3')], Math.floor(Date.now() / 1000) - 3600);
    expect(old.status).toBe(401);
    const unsigned = await engine.call('POST', '/v1/providers/sendgrid/events', { raw: JSON.stringify([sgEvent('msg-w3', 'delivered', 'ev-d3')]) });
    expect(unsigned.status).toBe(401);
    expect(await messageTypes('msg-w3')).toEqual(['MessageQueued', 'MessageSent']);
  });

  it('withdraws the email consent on a spam report, once', async () => {
    await customer('w-4', '+33644444444');
    await sentMessage('w-4', 'msg-w4', 'email');
    await postSendGrid([sgEvent('msg-w4', 'spamreport', 'ev-s4')]);
    await postSendGrid([sgEvent('msg-w4', 'spamreport', 'ev-s4')]);
    const withdrawn = await consentEvents('w-4');
    expect(withdrawn).toEqual([expect.objectContaining({ channel: 'email', purpose: 'marketing', source: 'provider' })]);
  });

  it("reroutes a hard-bounced email to the campaign's next channel: the bounce withdraws email, and the message is owed again on SMS", async () => {
    await customer('w-5', '+33677777777');
    await sentMessage('w-5', 'msg-w5', 'email');
    const bounce = sgEvent('msg-w5', 'bounce', 'ev-b5', { type: 'bounce', reason: '550 5.1.1 mailbox unknown', status: '5.1.1' });
    expect((await postSendGrid([bounce])).status).toBe(200);
    expect((await postSendGrid([bounce])).status).toBe(200);

    const events = (await store.readStream(streams.message(merchantId, 'msg-w5'))).events;
    expect(events.map((e) => e.type)).toEqual(['MessageQueued', 'MessageSent', 'MessageFailed', 'MessageRerouted']);
    expect(events[3]!.data).toMatchObject({ fromChannel: 'email', toChannel: 'sms', code: 'bounce', reason: '550 5.1.1 mailbox unknown' });
    expect((await consentEvents('w-5')).map((c) => c.channel)).toEqual(['email']);
    // No worker in this engine: the row tells the reconciler of one that has them to put it in the SMS lane.
    const pending = await engine.app.get<pg.Pool>(PG_POOL).query('SELECT lane FROM delivery_pending WHERE merchant_id = $1 AND message_id = $2', [merchantId, 'msg-w5']);
    expect(pending.rows).toEqual([{ lane: 'text' }]);
  });

  it('does not reroute a bounce when no other channel of the campaign is consented', async () => {
    const res = await engine.call('POST', '/v1/customers', {
      key: pos,
      idempotencyKey: 'enrol-w-6',
      body: { customerId: 'w-6', profile: { firstName: 'Inès', email: 'w-6@example.fr', phone: '+33688888888' }, consents: [{ channel: 'email', purpose: 'marketing' }] },
    });
    expect(res.status).toBe(201);
    await sentMessage('w-6', 'msg-w6', 'email');
    await postSendGrid([sgEvent('msg-w6', 'bounce', 'ev-b6', { type: 'bounce', reason: '550 5.1.1 mailbox unknown', status: '5.1.1' })]);
    expect(await messageTypes('msg-w6')).toEqual(['MessageQueued', 'MessageSent', 'MessageFailed']);
  });
});

describe('Twilio callbacks signed with Twilio’s own algorithm', () => {
  const statusUrl = (messageId: string) => `${PUBLIC_URL}/v1/providers/twilio/status?merchant=${merchantId}&message=${messageId}&channel=sms&segments=2`;

  it('records a delivered status once, and refuses a bad signature with 401', async () => {
    await customer('t-1', '+33655555555');
    await sentMessage('t-1', 'msg-t1', 'sms');
    const params = { MessageSid: `SM${'a'.repeat(32)}`, MessageStatus: 'delivered', AccountSid: `AC${'3'.repeat(32)}`, From: 'CaveHalles', To: '+33655555555' };
    const signed = signedTwilioRequest(TWILIO_TOKEN, statusUrl('msg-t1'), params);
    const path = `/v1/providers/twilio/status?merchant=${merchantId}&message=msg-t1&channel=sms&segments=2`;
    const bad = await engine.call('POST', path, { raw: signed.rawBody as string, headers: { ...(signed.headers as Record<string, string>), 'x-twilio-signature': 'AAAA' } });
    expect(bad.status).toBe(401);
    expect(await messageTypes('msg-t1')).toEqual(['MessageQueued', 'MessageSent']);
    for (let i = 0; i < 2; i++) {
      const res = await engine.call('POST', path, { raw: signed.rawBody as string, headers: signed.headers as Record<string, string> });
      expect(res.status).toBe(200);
    }
    expect(await messageTypes('msg-t1')).toEqual(['MessageQueued', 'MessageSent', 'MessageDelivered']);
  });

  it.each(['STOP', 'Arrêt', 'stop sms', 'DÉSINSCRIRE'])('withdraws SMS and RCS on an inbound "%s", and records nothing for a forged one', async (word) => {
    const id = `t-stop-${word.length}-${word.charCodeAt(0)}`;
    const phone = `+336${String(10_000_000 + word.length * 1000 + word.charCodeAt(1)).slice(0, 8)}`;
    await customer(id, phone);
    const url = `${PUBLIC_URL}/v1/providers/twilio/inbound?merchant=${merchantId}`;
    const params = { MessageSid: `SM${'b'.repeat(30)}${word.length}${word.charCodeAt(0) % 10}`, From: phone, To: '36111', Body: word, AccountSid: `AC${'3'.repeat(32)}` };
    const signed = signedTwilioRequest(TWILIO_TOKEN, url, params);
    const forged = await engine.call('POST', `/v1/providers/twilio/inbound?merchant=${merchantId}`, { raw: signed.rawBody as string, headers: { ...(signed.headers as Record<string, string>), 'x-twilio-signature': signedTwilioRequest('wrong-token', url, params).headers['x-twilio-signature'] as string } });
    expect(forged.status).toBe(401);
    expect(await consentEvents(id)).toEqual([]);
    const res = await engine.call('POST', `/v1/providers/twilio/inbound?merchant=${merchantId}`, { raw: signed.rawBody as string, headers: signed.headers as Record<string, string> });
    expect(res.status).toBe(200);
    expect((await consentEvents(id)).map((c) => c.channel).sort()).toEqual(['rcs', 'sms']);
  });
});

describe('Merci Facteur webhooks, proven by the account secret', () => {
  const path = `/v1/providers/merci-facteur/events?merchant=${merchantId}`;
  const letter = (messageId: string, status: string) => ({
    nom: 'Martin', cp: '69002', ville: 'Lyon', pays: 'FRANCE', ref_courrier: `ref-${messageId}`, mode_envoi: 'normal', id_envoi: '1000',
    statut_courrier: status, statut_description: 'texte', ref_interne: referenceOfMessage(messageId), tracking_number: null,
  });
  const post = (secret: string, event: Record<string, unknown>, detail: Record<string, unknown>[]) => {
    const request = merciFacteurWebhook(secret, `${PUBLIC_URL}${path}`, event, detail);
    return engine.call('POST', path, { raw: request.rawBody as string, headers: request.headers as Record<string, string> });
  };

  it('records a delivered letter once, and refuses another secret with 401', async () => {
    await customer('m-1', '+33611119999');
    await sentMessage('m-1', 'msg-m1', 'postal');
    const delivered = { name_event: 'delivered', id_user: 17460, date_event: 1_796_288_400 };
    expect((await post('another-secret-0123456789', delivered, [letter('msg-m1', 'distribue')])).status).toBe(401);
    expect(await messageTypes('msg-m1')).toEqual(['MessageQueued', 'MessageSent']);
    expect((await post(MF_SECRET, delivered, [letter('msg-m1', 'distribue')])).status).toBe(200);
    expect((await post(MF_SECRET, delivered, [letter('msg-m1', 'distribue')])).status).toBe(200);
    expect(await messageTypes('msg-m1')).toEqual(['MessageQueued', 'MessageSent', 'MessageDelivered']);
  });
});

describe('unsubscribe link and RFC 8058 one-click', () => {
  it('shows a page on GET without withdrawing, withdraws on the one-click POST, once, and refuses a forged link', async () => {
    await customer('u-1', '+33666666666');
    await sentMessage('u-1', 'msg-u1', 'email');
    const token = signUnsubscribeToken(UNSUBSCRIBE_SECRET, { merchantId, customerId: 'u-1', channel: 'email', messageId: 'msg-u1' });
    const page = await engine.call('GET', `/unsubscribe/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post">');
    expect(await consentEvents('u-1')).toEqual([]);

    const oneClick = () =>
      engine.call('POST', `/unsubscribe/${token}`, { raw: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await oneClick()).status).toBe(200);
    expect((await oneClick()).status).toBe(200);
    expect(await consentEvents('u-1')).toEqual([expect.objectContaining({ channel: 'email', purpose: 'marketing' })]);

    const forged = signUnsubscribeToken('another-secret-0123456789', { merchantId, customerId: 'u-1', channel: 'sms', messageId: 'msg-u1' });
    const refused = await engine.call('POST', `/unsubscribe/${forged}`, { raw: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(refused.status).toBe(404);
    expect((await consentEvents('u-1')).some((c) => c.channel === 'sms')).toBe(false);
  });
});
