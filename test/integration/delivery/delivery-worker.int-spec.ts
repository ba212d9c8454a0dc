import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyUnsubscribeToken } from '@relance/channels';
import { parseDeliveryJobId } from '../../../apps/engine/src/delivery/delivery-jobs.js';
import { contentFor } from '../../support/fake-providers/fake-sendgrid.js';
import { form } from '../../support/fake-providers/fake-http-server.js';
import { deliveryEnv, eventually, SECRET, type DeliveryEnv } from './support/delivery-env.js';

let t: DeliveryEnv;

beforeAll(async () => {
  t = await deliveryEnv('dlv');
  t.relay().start();
  t.workers().start();
});

afterAll(async () => {
  await t.close();
});

const outcomeOf = async (messageId: string) => (await t.messageEvents(messageId)).filter((e) => e.type !== 'MessageQueued');
const settled = (messageId: string) => async () => (await outcomeOf(messageId)).length > 0;

describe('a queued email, relayed and sent through the real SendGrid SDK', () => {
  it('reaches SendGrid with our ids in custom_args, the one-click unsubscribe headers, and comes back as MessageSent', async () => {
    await t.customer('c-mail', ['email']);
    const queued = await t.queue('c-mail', 'email');
    await eventually(settled(queued.messageId), 'the outcome of the email');

    const [sent] = await outcomeOf(queued.messageId);
    expect(sent).toMatchObject({ type: 'MessageSent', data: { messageId: queued.messageId, channel: 'email', provider: 'sendgrid', units: 1, costCents: 0, customerId: 'c-mail' } });
    const mail = t.sendgrid.mails.find((m) => m.personalizations.some((p) => p.custom_args?.message_id === queued.messageId))!;
    const personalization = mail.personalizations.find((p) => p.custom_args?.message_id === queued.messageId)!;
    expect(personalization.to).toEqual([{ email: 'c-mail@example.fr', name: 'élodie Martin' }]);
    expect(personalization.custom_args).toEqual({ message_id: queued.messageId, merchant_id: t.merchantId });
    const link = /^<(https:\/\/relance\.cave-des-halles\.example\/desabonnement\/(u1\.[^>]+))>$/.exec(personalization.headers?.['List-Unsubscribe'] ?? '');
    expect(link).not.toBeNull();
    expect(personalization.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(verifyUnsubscribeToken(SECRET, link![2]!)).toEqual({ merchantId: t.merchantId, customerId: 'c-mail', channel: 'email', messageId: queued.messageId });
    // The person's data only where it must be: the recipient and the rendered content.
    const outsideRecipient = JSON.stringify({ ...mail, personalizations: mail.personalizations.map((p) => ({ ...p, to: [] })), content: [] });
    expect(outsideRecipient).not.toContain('c-mail@example.fr');
    expect(contentFor(mail, personalization).text).toContain('Élodie');
    // The row leaves right after the outcome is appended (batched with the other settled messages).
    await eventually(async () => (await t.env.pool.query('SELECT 1 FROM delivery_pending WHERE message_id = $1', [queued.messageId])).rowCount === 0, 'the pending row to go', 5_000);
  });

  it('relays a MessageQueued read twice (a relay restarted before its checkpoint) into one job and one send', async () => {
    await t.customer('c-twice', ['email']);
    const queued = await t.queue('c-twice', 'email');
    await eventually(settled(queued.messageId), 'the first send');
    // A second relay with no checkpoint reads the whole log again, as after a crash before saving it.
    const again = t.relay('message-relay:replayed');
    again.start();
    await eventually(async () => (await t.env.pool.query("SELECT 1 FROM engine_checkpoints WHERE name = 'message-relay:replayed'")).rowCount === 1, 'the replay to checkpoint');
    await new Promise((r) => setTimeout(r, 500));
    const sends = t.sendgrid.mails.flatMap((m) => m.personalizations).filter((p) => p.custom_args?.message_id === queued.messageId);
    expect(sends).toHaveLength(1);
    expect((await outcomeOf(queued.messageId)).map((e) => e.type)).toEqual(['MessageSent']);
  });
});

describe('consent re-checked at send time', () => {
  it('sends nothing when the consent was withdrawn after MessageQueued, and records MessageSuppressed no-consent', async () => {
    await t.customer('c-withdrawn', ['sms']);
    const queued = await t.queue('c-withdrawn', 'sms', { scheduledFor: new Date(t.clock.now.getTime() + 1500).toISOString() });
    await t.shop.do('c-withdrawn', { type: 'WithdrawConsent', data: { channel: 'sms', purpose: 'marketing', source: 'pos', proof: {}, reason: null } }, t.clock.now.toISOString());
    t.clock.now = new Date(t.clock.now.getTime() + 2000);
    await eventually(settled(queued.messageId), 'the suppression');
    const [suppressed] = await outcomeOf(queued.messageId);
    expect(suppressed).toMatchObject({ type: 'MessageSuppressed', data: { reason: 'no-consent', messageId: queued.messageId, channel: 'sms', campaignId: 'bienvenue' } });
    expect(t.twilio.messages.filter((m) => m.params.StatusCallback?.includes(queued.messageId))).toHaveLength(0);
  });

  it('sends nothing to an erased customer', async () => {
    await t.customer('c-erased', ['email']);
    await t.shop.erase('c-erased', t.clock.now.toISOString());
    const queued = await t.queue('c-erased', 'email');
    await eventually(settled(queued.messageId), 'the suppression');
    expect((await outcomeOf(queued.messageId))[0]).toMatchObject({ type: 'MessageSuppressed', data: { reason: 'erased' } });
  });
});

describe('quiet hours for SMS', () => {
  it('defers an SMS decided on Saturday 19:59 and reached after 20:00 to Monday 08:00 (Paris), and sends it then', async () => {
    await t.customer('c-quiet', ['sms']);
    // Decided at 19:59 on Saturday; the worker reaches it at 20:00:30, when the window has closed.
    // A Saturday still ahead: BullMQ holds a delayed job until its instant in real time.
    t.clock.now = new Date('2030-12-07T19:00:30Z');
    const queued = await t.queue('c-quiet', 'sms', { queuedAt: '2030-12-07T18:59:00.000Z' });

    // The worker puts the job back in the delayed set for Monday 08:00; nothing is sent meanwhile.
    await eventually(async () => (await t.queues.lane('text').getJobState(`${t.merchantId}.${queued.messageId}`)) === 'delayed', 'the deferral');
    const job = (await t.queues.lane('text').getJob(`${t.merchantId}.${queued.messageId}`))!;
    // BullMQ keeps the delay from the moment the job moved: within the second of the target.
    expect(Math.abs(job.timestamp + job.delay - Date.parse('2030-12-09T07:00:00Z'))).toBeLessThan(1000);
    expect(await outcomeOf(queued.messageId)).toEqual([]);

    t.clock.now = new Date('2030-12-09T07:00:00Z'); // Monday 08:00
    await job.promote();
    await eventually(settled(queued.messageId), 'the Monday send');
    const [sent] = await outcomeOf(queued.messageId);
    expect(sent).toMatchObject({ type: 'MessageSent', data: { channel: 'sms', provider: 'twilio', units: 2, costCents: 14 } });
    const twilioMessage = t.twilio.messages.find((m) => m.params.StatusCallback?.includes(queued.messageId))!;
    expect(twilioMessage.params.To).toBe('+33612345678');
    expect(twilioMessage.params.Body).toContain('STOP au 36111');
    expect(new URL(twilioMessage.params.StatusCallback!).searchParams.get('merchant')).toBe(t.merchantId);
  });

  it('skips Sunday and a public holiday: Saturday evening before Whit Monday goes out on Tuesday 08:00', async () => {
    await t.customer('c-holiday', ['sms']);
    t.clock.now = new Date('2026-05-23T18:00:30Z'); // Saturday 20:00:30, Paris summer time
    const queued = await t.queue('c-holiday', 'sms', { queuedAt: '2026-05-23T17:59:00.000Z' });
    const step = await t.delivery.deliver({ merchantId: t.merchantId, messageId: queued.messageId }, false);
    expect(step).toEqual({ kind: 'defer', until: '2026-05-26T06:00:00.000Z', reason: 'quiet hours' });
    t.clock.now = new Date('2026-12-02T10:00:00Z');
  });
});

describe('provider failures', () => {
  it('waits for Retry-After on a 429 (the whole lane pauses), then sends once', async () => {
    t.clock.now = new Date('2026-12-02T10:00:00Z');
    await t.customer('c-429', ['email']);
    const before = t.sendgrid.requests.length;
    t.sendgrid.respondNext({ status: 429, headers: { 'retry-after': '1' }, body: { errors: [{ message: 'too many requests' }] } });
    const started = Date.now();
    const queued = await t.queue('c-429', 'email');
    await eventually(settled(queued.messageId), 'the send after the 429');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(t.sendgrid.requests.length - before).toBe(2);
    expect((await outcomeOf(queued.messageId)).map((e) => e.type)).toEqual(['MessageSent']);
  });

  it('retries a 500 with backoff, then sends once', async () => {
    await t.customer('c-500', ['sms']);
    t.twilio.respondNext({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    const queued = await t.queue('c-500', 'sms');
    await eventually(settled(queued.messageId), 'the send after the 500');
    // The outcome is appended before the job completes: attempts are counted at completion.
    await eventually(async () => (await t.queues.lane('text').getJobState(`${t.merchantId}.${queued.messageId}`)) === 'completed', 'the job to complete');
    const job = (await t.queues.lane('text').getJob(`${t.merchantId}.${queued.messageId}`))!;
    expect(job.attemptsMade).toBe(2);
    expect((await outcomeOf(queued.messageId)).map((e) => e.type)).toEqual(['MessageSent']);
    expect(t.twilio.messages.filter((m) => m.params.StatusCallback?.includes(queued.messageId))).toHaveLength(1);
  });

  it('does not retry a permanent refusal: MessageFailed permanent, one attempt', async () => {
    await t.customer('c-stop', ['sms'], { firstName: 'Paul', phone: '+33698765432' });
    t.twilio.unsubscribed.add('+33698765432');
    const before = t.twilio.requests.length;
    const queued = await t.queue('c-stop', 'sms');
    await eventually(settled(queued.messageId), 'the failure');
    expect((await outcomeOf(queued.messageId))[0]).toMatchObject({ type: 'MessageFailed', data: { permanent: true, code: '21610' } });
    expect(t.twilio.requests.length - before).toBe(1);
    await eventually(async () => (await t.queues.lane('text').getJobState(`${t.merchantId}.${queued.messageId}`)) === 'completed', 'the job to complete');
    const job = (await t.queues.lane('text').getJob(`${t.merchantId}.${queued.messageId}`))!;
    expect(job.attemptsMade).toBe(1);
  });

  it('puts a message that keeps failing in the dead-letter list after its attempts, recorded as a failure that may be retried', async () => {
    await t.customer('c-down', ['email']);
    const down = { status: 503, body: { errors: [{ message: 'unavailable' }] } };
    t.sendgrid.respondNext(down, down, down, down);
    const queued = await t.queue('c-down', 'email');
    const id = `${t.merchantId}.${queued.messageId}`;
    await eventually(async () => (await t.queues.lane('email').getJobState(id)) === 'failed', 'the dead letter', 90_000);
    expect(parseDeliveryJobId(id)).toEqual({ merchantId: t.merchantId, messageId: queued.messageId });
    expect((await outcomeOf(queued.messageId))[0]).toMatchObject({ type: 'MessageFailed', data: { permanent: false } });
    // Still owed: a retry from the dead-letter list sends it.
    expect((await t.env.pool.query('SELECT 1 FROM delivery_pending WHERE message_id = $1', [queued.messageId])).rowCount).toBe(1);
    await (await t.queues.lane('email').getJob(id))!.retry('failed');
    await eventually(async () => (await outcomeOf(queued.messageId)).some((e) => e.type === 'MessageSent'), 'the send after the retry');
  }, 180_000);

  it('keeps personal data out of what the SMS provider is told beyond the number and the text', async () => {
    const sms = t.twilio.messages.find((m) => m.params.To === '+33612345678')!;
    const { To: _to, Body: _body, ...rest } = sms.params;
    expect(JSON.stringify(rest)).not.toMatch(/Martin|lodie|example\.fr|612345678/);
    expect(form({ body: Buffer.from(new URLSearchParams(sms.params).toString()) } as never).get('MessagingServiceSid')).toMatch(/^MG/);
  });
});
