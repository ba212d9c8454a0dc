import { describe, expect, it } from '@jest/globals';
import { sendGridWebhookKeys, signedSendGridEvents } from '@relance/testing/fake-providers/fake-sendgrid.js';
import { sendGridPublicKey, verifySendGridEventWebhook } from './sendgrid-event-webhook.js';

const NOW = new Date('2026-12-03T09:00:00Z');
const TS = NOW.getTime() / 1000;
const keys = sendGridWebhookKeys();
const key = sendGridPublicKey(keys.publicKey);

/** One of each event type, shaped like SendGrid's own example (docs/examples/webhooks-docker), with our custom_args. */
function event(type: string, extra: Record<string, unknown> = {}) {
  return {
    email: 'client@example.fr',
    timestamp: TS - 30,
    'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
    event: type,
    category: 'relance-marketing',
    sg_event_id: `evt-${type}`,
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
    message_id: 'msg-1',
    merchant_id: 'cave-demo',
    ...extra,
  };
}

describe('the SendGrid Event Webhook', () => {
  it('accepts a body signed with the key SendGrid shows, and turns each event into ours', () => {
    const events = [
      event('processed'),
      event('deferred', { response: '400 try again later', attempt: '5' }),
      event('delivered', { response: '250 OK' }),
      event('open', { useragent: 'Mozilla/4.0', ip: '255.255.255.255' }),
      event('click', { url: 'https://cave-des-halles.example/beaujolais' }),
      event('bounce', { reason: '500 unknown recipient', status: '5.0.0', type: 'bounce' }),
      event('bounce', { sg_event_id: 'evt-blocked', reason: '550 blocked', type: 'blocked' }),
      event('dropped', { reason: 'Bounced Address', status: '5.0.0' }),
      event('spamreport'),
      event('unsubscribe'),
      event('group_unsubscribe', { asm_group_id: 4242 }),
      event('group_resubscribe', { asm_group_id: 4242 }),
    ];
    const verdict = verifySendGridEventWebhook(key, signedSendGridEvents(keys.privateKey, events, TS), NOW);
    if (!verdict.accepted) throw new Error(verdict.reason);
    expect(verdict.events.map((e) => [e.kind, 'status' in e ? e.status : null, 'permanent' in e ? e.permanent : null, e.withdraws])).toEqual([
      ['progress', 'processed', null, []],
      ['progress', 'deferred', null, []],
      ['delivered', null, null, []],
      ['opened', null, null, []],
      ['clicked', null, null, []],
      ['bounced', null, true, ['email']],
      ['bounced', null, false, []],
      ['failed', null, true, ['email']],
      ['spam-report', null, null, ['email']],
      ['unsubscribed', null, null, ['email']],
      ['unsubscribed', null, null, ['email']],
      ['progress', 'group_resubscribe', null, []],
    ]);
    expect(verdict.events[4]).toMatchObject({ kind: 'clicked', url: 'https://cave-des-halles.example/beaujolais' });
    for (const e of verdict.events) {
      expect(e).toMatchObject({ provider: 'sendgrid', channel: 'email', messageId: 'msg-1', merchantId: 'cave-demo', occurredAt: new Date((TS - 30) * 1000).toISOString() });
    }
  });

  it('gives the same event the same id when SendGrid posts it again, so it is recorded once', () => {
    const body = [event('delivered')];
    const first = verifySendGridEventWebhook(key, signedSendGridEvents(keys.privateKey, body, TS), NOW);
    const again = verifySendGridEventWebhook(key, signedSendGridEvents(keys.privateKey, body, TS + 60), new Date(NOW.getTime() + 60_000));
    if (!first.accepted || !again.accepted) throw new Error('refused');
    expect(again.events[0]?.providerEventId).toBe(first.events[0]?.providerEventId);
  });

  it('refuses a tampered body, a signature from another key, and a missing header', () => {
    const request = signedSendGridEvents(keys.privateKey, [event('delivered')], TS);
    const tampered = { ...request, rawBody: Buffer.from(request.rawBody.toString().replace('msg-1', 'msg-2')) };
    expect(verifySendGridEventWebhook(key, tampered, NOW)).toEqual({ accepted: false, httpStatus: 401, reason: 'signature does not match' });
    const other = signedSendGridEvents(sendGridWebhookKeys().privateKey, [event('delivered')], TS);
    expect(verifySendGridEventWebhook(key, other, NOW)).toMatchObject({ accepted: false, httpStatus: 401 });
    const unsigned = { ...request, headers: { 'x-twilio-email-event-webhook-timestamp': String(TS) } };
    expect(verifySendGridEventWebhook(key, unsigned, NOW)).toMatchObject({ accepted: false, httpStatus: 401, reason: 'missing signature or timestamp header' });
  });

  it('refuses a genuine request whose timestamp is too old (a replay) or in the future, and one whose timestamp was changed', () => {
    const old = signedSendGridEvents(keys.privateKey, [event('delivered')], TS - 601);
    expect(verifySendGridEventWebhook(key, old, NOW)).toEqual({ accepted: false, httpStatus: 401, reason: 'timestamp is 601 s away from now (at most 600)' });
    expect(verifySendGridEventWebhook(key, signedSendGridEvents(keys.privateKey, [event('delivered')], TS + 601), NOW)).toMatchObject({ accepted: false });
    expect(verifySendGridEventWebhook(key, signedSendGridEvents(keys.privateKey, [event('delivered')], TS - 599), NOW)).toMatchObject({ accepted: true });
    const moved = signedSendGridEvents(keys.privateKey, [event('delivered')], TS - 10);
    const retimed = { ...moved, headers: { ...moved.headers, 'x-twilio-email-event-webhook-timestamp': String(TS) } };
    expect(verifySendGridEventWebhook(key, retimed, NOW)).toMatchObject({ accepted: false, reason: 'signature does not match' });
  });

  it('answers 400 to a signed body that is not an array of events', () => {
    expect(verifySendGridEventWebhook(key, signedSendGridEvents(keys.privateKey, '{"event":"delivered"}', TS), NOW)).toMatchObject({ accepted: false, httpStatus: 400 });
    expect(verifySendGridEventWebhook(key, signedSendGridEvents(keys.privateKey, 'not json', TS), NOW)).toMatchObject({ accepted: false, httpStatus: 400 });
  });
});
