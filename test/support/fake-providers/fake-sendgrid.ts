import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { WebhookRequest } from '@relance/channels';
import { FakeHttpServer, FakeProvider, json, type FakeResponse, type RecordedRequest } from './fake-http-server.js';

/** A personalization as SendGrid receives it (snake_case, after the SDK). */
export interface SentPersonalization {
  readonly to: { email: string; name?: string }[];
  readonly custom_args?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  readonly substitutions?: Record<string, string>;
}

export interface SentMail {
  readonly from: { email: string; name?: string };
  readonly subject?: string;
  readonly content?: { type: string; value: string }[];
  readonly personalizations: SentPersonalization[];
  readonly categories?: string[];
  readonly asm?: { group_id: number };
  readonly mail_settings?: unknown;
  readonly [key: string]: unknown;
}

const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * SendGrid's v3 mail/send, as strict as SendGrid on what a request may hold: the API key, 1 to
 * 1,000 personalizations, each address once per request, string custom_args, content present.
 * Accepted requests answer 202 with an X-Message-Id; addresses listed in `rejectedAddresses`
 * make the whole request a 400, as an invalid one would.
 */
export class FakeSendGrid extends FakeProvider {
  /** The bodies of accepted requests. */
  readonly mails: SentMail[] = [];
  readonly rejectedAddresses = new Set<string>();

  private constructor(
    server: FakeHttpServer,
    readonly apiKey: string,
  ) {
    super(server);
  }

  static async start(apiKey = 'SG.test-key'): Promise<FakeSendGrid> {
    let fake: FakeSendGrid | null = null;
    const server = await FakeHttpServer.start((request) => (fake as FakeSendGrid).handle(request));
    fake = new FakeSendGrid(server, apiKey);
    return fake;
  }

  private handle(request: RecordedRequest): FakeResponse {
    const limits = { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '599', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60) };
    if (request.method !== 'POST' || request.url !== '/v3/mail/send') return { status: 404, body: { errors: [{ message: 'not found' }] } };
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) {
      return { status: 401, headers: limits, body: { errors: [{ field: null, message: 'The provided authorization grant is invalid, expired, or revoked' }] } };
    }
    const mail = json(request) as SentMail;
    const errors = problems(mail, this.rejectedAddresses);
    if (errors.length > 0) return { status: 400, headers: limits, body: { errors } };
    if (this.server.record) this.mails.push(mail);
    return { status: 202, headers: { ...limits, 'x-message-id': randomBytes(16).toString('base64url') } };
  }
}

function problems(mail: SentMail, rejected: ReadonlySet<string>): { field: string | null; message: string }[] {
  const errors: { field: string | null; message: string }[] = [];
  if (!mail.from?.email) errors.push({ field: 'from.email', message: 'The from email does not contain a valid address.' });
  if (!mail.content?.length && !mail.template_id) errors.push({ field: 'content', message: 'Unless a valid template_id is provided, the content parameter is required.' });
  const personalizations = mail.personalizations ?? [];
  if (personalizations.length === 0 || personalizations.length > 1000) {
    errors.push({ field: 'personalizations', message: 'The personalizations field must have between 1 and 1000 items.' });
  }
  const seen = new Set<string>();
  personalizations.forEach((p, i) => {
    p.to?.forEach((to, j) => {
      const address = to.email.toLowerCase();
      if (!ADDRESS.test(to.email) || rejected.has(address)) errors.push({ field: `personalizations.${i}.to.${j}.email`, message: 'Does not contain a valid address.' });
      if (seen.has(address)) errors.push({ field: `personalizations.${i}.to.${j}.email`, message: 'Each email address in the personalization block should be unique.' });
      seen.add(address);
    });
    for (const [name, value] of Object.entries(p.custom_args ?? {})) {
      if (typeof value !== 'string') errors.push({ field: `personalizations.${i}.custom_args.${name}`, message: 'Custom args must be strings.' });
    }
  });
  return errors;
}

/** What a recipient of a shared request reads: SendGrid replaces every substitution key in the content. */
export function contentFor(mail: SentMail, personalization: SentPersonalization): { subject: string; text: string; html: string } {
  const fill = (value: string) =>
    Object.entries(personalization.substitutions ?? {}).reduce((text, [key, replacement]) => text.split(key).join(replacement), value);
  const part = (type: string) => mail.content?.find((c) => c.type === type)?.value ?? '';
  return { subject: fill(mail.subject ?? ''), text: fill(part('text/plain')), html: fill(part('text/html')) };
}

/** A P-256 key pair like the one SendGrid signs its Event Webhook with; the public key as SendGrid shows it. */
export function sendGridWebhookKeys(): { privateKey: KeyObject; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
}

/** An Event Webhook POST signed as SendGrid signs it: ECDSA over timestamp + body, DER, base64. */
export function signedSendGridEvents(privateKey: KeyObject, events: unknown[] | string, timestamp: number, url = 'https://engine.example/webhooks/sendgrid'): WebhookRequest {
  const body = typeof events === 'string' ? events : `${JSON.stringify(events)}\r\n`;
  const signature = sign('sha256', Buffer.from(`${timestamp}${body}`), privateKey).toString('base64');
  return {
    url,
    rawBody: Buffer.from(body),
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': String(timestamp),
    },
  };
}
