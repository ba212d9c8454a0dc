import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { derivedUuidV7, streams, type EventData } from '@relance/domain';
import { deliveryEnv, eventually, type DeliveryEnv } from './support/delivery-env.js';

let t: DeliveryEnv;
let outbox: string;

beforeAll(async () => {
  outbox = await mkdtemp(path.join(tmpdir(), 'relance-fallback-'));
  // SendGrid and Twilio through their real SDKs to the local stand-ins; letters to the outbox.
  t = await deliveryEnv('fbk', { OUTBOX_DIR: outbox });
  t.relay().start();
  t.workers().start();
});

afterAll(async () => {
  await t.close();
  await rm(outbox, { recursive: true, force: true });
});

const afterQueued = async (messageId: string) => (await t.messageEvents(messageId)).filter((e) => e.type !== 'MessageQueued');
const outcome = (messageId: string) => async () => (await afterQueued(messageId)).some((e) => e.type !== 'MessageRerouted');
const smsTo = (messageId: string) => t.twilio.requests.filter((r) => r.url.endsWith('/Messages.json') && r.body.toString().includes(encodeURIComponent(messageId)));
const emailsTo = (messageId: string) => t.sendgrid.mails.flatMap((m) => m.personalizations).filter((p) => p.custom_args?.message_id === messageId);
// Twilio's answer to a number it cannot send to (error 21211), the number in its message as Twilio writes it.
const invalidNumber = (phone: string) => ({ status: 400, body: { code: 21211, message: `The 'To' number ${phone} is not a valid phone number.`, more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 } });

// The Beaujolais nouveau prefers SMS, then email; the tasting invitation email, then SMS, then a letter.
const beaujolais = { campaignId: 'beaujolais-nouveau', templateId: 'beaujolais-nouveau' };
const tasting = { campaignId: 'invitation-degustation', templateId: 'tasting-invitation' };

describe('a message refused for good on its channel', () => {
  it('goes out on the next channel of the campaign, the refusal recorded with the channel it was on and why', async () => {
    await t.customer('fb-sms', ['sms', 'email'], { firstName: 'Paul', email: 'paul@example.fr', phone: '+33611112222' });
    t.twilio.respondNext(invalidNumber('+33611112222'));
    const queued = await t.queue('fb-sms', 'sms', beaujolais);
    await eventually(outcome(queued.messageId), 'the email after the SMS');

    const events = await afterQueued(queued.messageId);
    expect(events.map((e) => e.type)).toEqual(['MessageRerouted', 'MessageSent']);
    expect(events[0]!.data).toMatchObject({ messageId: queued.messageId, campaignId: 'beaujolais-nouveau', customerId: 'fb-sms', fromChannel: 'sms', toChannel: 'email', code: '21211' });
    // Why, without the number: events hold no personal data.
    expect(events[0]!.data.reason).toMatch(/not a valid phone number/);
    expect(JSON.stringify(events)).not.toContain('611112222');
    expect(events[1]).toMatchObject({ type: 'MessageSent', data: { channel: 'email', provider: 'sendgrid' } });
    expect(smsTo(queued.messageId)).toHaveLength(1);
    const [email] = emailsTo(queued.messageId);
    expect(email?.to).toEqual([{ email: 'paul@example.fr', name: 'Paul' }]);
    expect(email?.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('skips the channels the customer did not consent to, and reaches the next one that is consented and reachable', async () => {
    await t.customer('fb-mail', ['email', 'postal'], {
      firstName: 'Anne',
      email: 'anne@example.fr',
      phone: '+33633334444',
      postalAddress: { line1: '8 rue Mercière', postalCode: '69002', city: 'Lyon', country: 'FR' },
    });
    // SendGrid refuses the address for good (a 400 on its recipient).
    t.sendgrid.respondNext({ status: 400, body: { errors: [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }] } });
    const queued = await t.queue('fb-mail', 'email', tasting);
    await eventually(outcome(queued.messageId), 'the letter after the email');

    const events = await afterQueued(queued.messageId);
    expect(events.map((e) => [e.type, e.data.fromChannel ?? e.data.channel, e.data.toChannel ?? null])).toEqual([
      ['MessageRerouted', 'email', 'postal'],
      ['MessageSent', 'postal', null],
    ]);
    expect(events[0]!.data.code).toBe('400');
    expect(smsTo(queued.messageId)).toHaveLength(0);
    const letter = await readFile(path.join(outbox, t.merchantId, 'postal', `${queued.messageId}.pdf`));
    expect(letter.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('fails when no other channel of the campaign is consented, without rerouting', async () => {
    await t.customer('fb-none', ['sms'], { firstName: 'Marc', email: 'marc@example.fr', phone: '+33655556666' });
    t.twilio.respondNext(invalidNumber('+33655556666'));
    const queued = await t.queue('fb-none', 'sms', beaujolais);
    await eventually(outcome(queued.messageId), 'the failure');
    expect(await afterQueued(queued.messageId)).toMatchObject([{ type: 'MessageFailed', data: { permanent: true, code: '21211' } }]);
    expect(emailsTo(queued.messageId)).toHaveLength(0);
  });

  it('keeps to the new channel when it must be retried: the next attempt does not try the refused one again', async () => {
    await t.customer('fb-retry', ['sms', 'email'], { firstName: 'Lise', email: 'lise@example.fr', phone: '+33677778888' });
    t.twilio.respondNext(invalidNumber('+33677778888'));
    t.sendgrid.respondNext({ status: 503, headers: { 'retry-after': '1' }, body: { errors: [{ message: 'unavailable' }] } });
    const queued = await t.queue('fb-retry', 'sms', beaujolais);
    await eventually(outcome(queued.messageId), 'the email after the retry');
    expect((await afterQueued(queued.messageId)).map((e) => e.type)).toEqual(['MessageRerouted', 'MessageSent']);
    expect(smsTo(queued.messageId)).toHaveLength(1);
    expect(emailsTo(queued.messageId)).toHaveLength(1);
  });
});

describe('a message the provider accepted, then reported failed for good', () => {
  it('is rerouted when the failure is recorded, and sent on the next channel: both outcomes stay on its stream', async () => {
    await t.customer('fb-late', ['email', 'sms'], { firstName: 'Inès', email: 'ines@example.fr', phone: '+33699990000' });
    const queued = await t.queue('fb-late', 'email', tasting);
    await eventually(outcome(queued.messageId), 'the email');
    // The hard bounce, as the provider callbacks record it.
    const failed: EventData<'MessageFailed'> = {
      messageId: queued.messageId, campaignId: tasting.campaignId, customerId: 'fb-late', permanent: true, code: 'bounce', reason: '550 5.1.1 mailbox unknown', failedAt: t.clock.now.toISOString(),
    };
    const eventId = derivedUuidV7(failed.failedAt, `${queued.messageId}|bounce`);
    await t.env.store.append(
      streams.message(t.merchantId, queued.messageId),
      [{ type: 'MessageFailed', data: failed, metadata: { eventId, merchantId: t.merchantId, correlationId: eventId, causationId: eventId, actor: 'system:provider-webhooks', occurredAt: failed.failedAt, recordedAt: failed.failedAt } }],
      'any',
    );

    const pending = await t.delivery.rerouteAfterFailure(t.merchantId, queued.messageId);
    expect(pending).toMatchObject({ merchantId: t.merchantId, messageId: queued.messageId, lane: 'text' });
    // Asked again (the same callback twice), nothing more is rerouted.
    expect(await t.delivery.rerouteAfterFailure(t.merchantId, queued.messageId)).toBeNull();
    await t.queues.enqueue([pending!]);
    await eventually(async () => (await afterQueued(queued.messageId)).filter((e) => e.type === 'MessageSent').length === 2, 'the SMS');

    const events = await afterQueued(queued.messageId);
    expect(events.map((e) => [e.type, e.data.channel ?? e.data.toChannel ?? null])).toEqual([
      ['MessageSent', 'email'],
      ['MessageFailed', null],
      ['MessageRerouted', 'sms'],
      ['MessageSent', 'sms'],
    ]);
    expect(events[2]!.data).toMatchObject({ fromChannel: 'email', code: 'bounce' });
    expect(smsTo(queued.messageId)).toHaveLength(1);
    expect(emailsTo(queued.messageId)).toHaveLength(1);
    expect((await t.env.pool.query('SELECT 1 FROM delivery_pending WHERE message_id = $1', [queued.messageId])).rowCount).toBe(0);
  });
});
