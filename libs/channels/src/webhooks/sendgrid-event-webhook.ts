import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { WebhookVerdict } from '../channel-adapter.js';
import { withoutPersonalData } from '../send-failure.js';
import type { ProviderEvent } from './provider-event.js';
import { bodyText, headerOf, type WebhookRequest } from './webhook-request.js';

export const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

export interface SendGridWebhookSettings {
  /** The verification key SendGrid shows for the signed Event Webhook: base64 of the DER (SPKI) P-256 public key. */
  readonly publicKey: string;
  /** How far the signed timestamp may be from now; older (replayed) or future requests are refused. */
  readonly toleranceSeconds?: number;
}

export function sendGridPublicKey(base64Der: string): KeyObject {
  return createPublicKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'spki' });
}

/**
 * SendGrid signs `timestamp + raw body` with ECDSA P-256 / SHA-256 and sends the DER signature in
 * base64. The signature alone does not stop a replay, so the timestamp must also be recent.
 */
export function verifySendGridEventWebhook(
  key: KeyObject,
  request: WebhookRequest,
  now: Date,
  toleranceSeconds = 600,
): WebhookVerdict {
  const signature = headerOf(request, SENDGRID_SIGNATURE_HEADER);
  const timestamp = headerOf(request, SENDGRID_TIMESTAMP_HEADER);
  if (!signature || !timestamp) return refused(401, 'missing signature or timestamp header');
  if (!/^\d{1,12}$/.test(timestamp.trim())) return refused(401, 'timestamp is not a Unix time');
  const age = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (age > toleranceSeconds) return refused(401, `timestamp is ${Math.round(age)} s away from now (at most ${toleranceSeconds})`);
  const body = typeof request.rawBody === 'string' ? Buffer.from(request.rawBody) : request.rawBody;
  let valid = false;
  try {
    valid = verify('sha256', Buffer.concat([Buffer.from(timestamp.trim()), body]), key, Buffer.from(signature.trim(), 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return refused(401, 'signature does not match');
  let items: unknown;
  try {
    items = JSON.parse(bodyText(request));
  } catch {
    return refused(400, 'body is not JSON');
  }
  if (!Array.isArray(items)) return refused(400, 'body is not an array of events');
  return { accepted: true, events: items.flatMap((item) => sendGridEvent(item, now)) };
}

function refused(httpStatus: 400 | 401, reason: string): WebhookVerdict {
  return { accepted: false, httpStatus, reason };
}

type Item = Record<string, unknown>;

const EMAIL_OPT_OUT = ['email'] as const;

/** One Event Webhook item in our words; custom_args come back as top-level fields (message_id, merchant_id). */
export function sendGridEvent(raw: unknown, receivedAt: Date): ProviderEvent[] {
  if (!raw || typeof raw !== 'object') return [];
  const item = raw as Item;
  const event = text(item.event);
  if (!event) return [];
  const base = {
    provider: 'sendgrid',
    providerEventId: text(item.sg_event_id) ?? createHash('sha256').update(JSON.stringify(item)).digest('base64url'),
    channel: 'email' as const,
    messageId: text(item.message_id),
    merchantId: text(item.merchant_id),
    providerMessageId: text(item.sg_message_id),
    occurredAt: instant(item.timestamp, receivedAt),
    withdraws: [] as const,
  };
  const reason = withoutPersonalData(text(item.reason) ?? text(item.response) ?? '');
  switch (event) {
    case 'delivered':
      return [{ ...base, kind: 'delivered', deliveredVia: 'email', units: null, cost: null }];
    case 'open':
      return [{ ...base, kind: 'opened' }];
    case 'click':
      return [{ ...base, kind: 'clicked', url: text(item.url) ?? '' }];
    case 'bounce': {
      // "blocked" is the receiving server refusing this message for now; "bounce" is the address.
      const permanent = text(item.type) !== 'blocked';
      return [{ ...base, kind: 'bounced', permanent, reason, withdraws: permanent ? EMAIL_OPT_OUT : [] }];
    }
    case 'dropped': {
      // SendGrid drops what its suppression lists hold: an earlier bounce, unsubscribe or spam report.
      const suppressed = /bounce|unsubscribe|spam/i.test(reason);
      return [{ ...base, kind: 'failed', permanent: true, code: 'dropped', reason, withdraws: suppressed ? EMAIL_OPT_OUT : [] }];
    }
    case 'spamreport':
      return [{ ...base, kind: 'spam-report', withdraws: EMAIL_OPT_OUT }];
    case 'unsubscribe':
      return [{ ...base, kind: 'unsubscribed', scope: 'all', withdraws: EMAIL_OPT_OUT }];
    case 'group_unsubscribe':
      return [{ ...base, kind: 'unsubscribed', scope: 'group', withdraws: EMAIL_OPT_OUT }];
    default:
      // processed, deferred, group_resubscribe (a new consent needs its own proof, not a provider flag)…
      return [{ ...base, kind: 'progress', status: event }];
  }
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number') return String(value);
  return null;
}

function instant(epochSeconds: unknown, fallback: Date): string {
  const seconds = typeof epochSeconds === 'number' ? epochSeconds : Number(epochSeconds);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : fallback.toISOString();
}
