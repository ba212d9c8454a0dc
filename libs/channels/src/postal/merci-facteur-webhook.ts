import { timingSafeEqual } from 'node:crypto';
import type { WebhookVerdict } from '../channel-adapter.js';
import type { ProviderEvent } from '../webhooks/provider-event.js';
import { bodyText, headerOf, type WebhookRequest } from '../webhooks/webhook-request.js';

export const MERCI_FACTEUR_SECRET_HEADER = 'X-Mf-Webhook-Secret-Key';

/**
 * Merci Facteur posts a form with two JSON strings, `event` ({name_event, date_event}) and `detail`
 * (one entry per letter), and proves itself with the account's webhook secret in a header. It
 * retries (after 60 minutes, then 24 hours) until answered 200: an event is identified by
 * (event, status, letter) so that a retry is recorded once. The merchant comes from the `merchant`
 * parameter of the webhook URL configured in its Merci Facteur account.
 */
export function verifyMerciFacteurWebhook(secret: string, request: WebhookRequest): WebhookVerdict {
  const given = Buffer.from(headerOf(request, MERCI_FACTEUR_SECRET_HEADER) ?? '');
  const expected = Buffer.from(secret);
  if (given.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { accepted: false, httpStatus: 401, reason: 'missing or wrong webhook secret' };
  }
  const form = new URLSearchParams(bodyText(request));
  let event: Record<string, unknown>;
  let detail: unknown;
  try {
    event = JSON.parse(form.get('event') ?? 'null') as Record<string, unknown>;
    detail = JSON.parse(form.get('detail') ?? 'null');
  } catch {
    return { accepted: false, httpStatus: 400, reason: 'event or detail is not JSON' };
  }
  if (!event || typeof event !== 'object' || typeof event.name_event !== 'string' || !Array.isArray(detail)) {
    return { accepted: false, httpStatus: 400, reason: 'event.name_event or detail[] missing' };
  }
  const name = event.name_event;
  const seconds = Number(event.date_event);
  const occurredAt = new Date(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0).toISOString();
  const merchantId = new URL(request.url).searchParams.get('merchant');
  const events = detail.flatMap((item): ProviderEvent[] => {
    if (!item || typeof item !== 'object') return [];
    const letter = item as Record<string, unknown>;
    const status = text(letter.statut_courrier) ?? name;
    const base = {
      provider: 'merci-facteur',
      providerEventId: `${name}:${status}:${text(letter.ref_courrier) ?? text(letter.id_envoi) ?? ''}`,
      channel: 'postal' as const,
      messageId: messageIdFromReference(text(letter.ref_interne)),
      merchantId,
      providerMessageId: text(letter.id_envoi),
      occurredAt,
      withdraws: [] as const,
    };
    if (name === 'delivered') return [{ ...base, kind: 'delivered', deliveredVia: 'postal', units: null, cost: null }];
    if (name === 'pnd') return [{ ...base, kind: 'failed', permanent: true, code: 'pnd', reason: 'returned to sender: address unknown or unreachable (NPAI)' }];
    if (name === 'error' && (status === 'non_distribuable' || status === 'retour_expediteur')) {
      return [{ ...base, kind: 'failed', permanent: true, code: status, reason: 'letter could not be delivered' }];
    }
    return [{ ...base, kind: 'progress', status }];
  });
  return { accepted: true, events };
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number') return String(value);
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Merci Facteur returns our reference (`ref_interne`) in its webhooks, but takes at most 30
 * characters. A message id that fits goes as it is; a UUID goes as "_" + its 16 bytes in base64url
 * (23 characters): our ids never start with "_", so the two cannot be confused. Null for an id that
 * fits neither.
 */
export function referenceOfMessage(messageId: string): string | null {
  if (messageId.length <= 30 && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(messageId)) return messageId;
  if (UUID.test(messageId)) return `_${Buffer.from(messageId.replace(/-/g, ''), 'hex').toString('base64url')}`;
  return null;
}

export function messageIdFromReference(reference: string | null): string | null {
  if (reference === null) return null;
  if (!reference.startsWith('_')) return reference;
  const hex = Buffer.from(reference.slice(1), 'base64url').toString('hex');
  if (hex.length !== 32) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
