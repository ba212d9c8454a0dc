import twilio from 'twilio';
import type { Channel } from '@relance/domain';
import type { WebhookVerdict } from '../channel-adapter.js';
import { priceOf, type ChannelPrices } from '../costs.js';
import { withoutPersonalData } from '../send-failure.js';
import { inboundKeyword } from '../sms/opt-out-keywords.js';
import type { ProviderEvent } from './provider-event.js';
import { bodyText, formParams, headerOf, single, type WebhookRequest } from './webhook-request.js';

export const TWILIO_SIGNATURE_HEADER = 'X-Twilio-Signature';

type Params = Record<string, string | string[]>;

/**
 * `X-Twilio-Signature` is HMAC-SHA1, keyed with the account's auth token, over the full URL Twilio
 * called (query string included) followed by every POST parameter name and value sorted by name.
 * Checked with the twilio package's own `validateRequest`, which also tries the URL with and
 * without a default port as Twilio may have signed either.
 */
export function verifyTwilioSignature(authToken: string, request: WebhookRequest): { ok: true; params: Params } | { ok: false; reason: string } {
  const signature = headerOf(request, TWILIO_SIGNATURE_HEADER);
  if (!signature) return { ok: false, reason: 'missing X-Twilio-Signature header' };
  const params = formParams(bodyText(request));
  if (!twilio.validateRequest(authToken, signature, request.url, params)) return { ok: false, reason: 'signature does not match' };
  return { ok: true, params };
}

/** Carrier codes after which another attempt later may succeed; every other failure is final. */
const TRANSIENT_FAILURES = new Set(['30001', '30003', '30008', '30017']);
/** 21610: the recipient answered STOP to this sender; Twilio refuses further messages to them. */
const UNSUBSCRIBED = '21610';
/** One opt-in covers SMS and RCS (one number, one sender pool): a STOP ends both. */
const PHONE_CHANNELS: readonly Channel[] = ['sms', 'rcs'];

/**
 * A message status callback. Our status callback URL carries `merchant`, `message`, the channel we
 * sent on (`channel`) and, for RCS, the segments its SMS fallback would use (`segments`), all signed
 * with the URL. An RCS message that fell back to SMS is reported from its SMS sender: Twilio gives
 * RCS senders as `rcs:` addresses (`From`), so a delivery from any other sender was an SMS one.
 */
export function verifyTwilioStatusCallback(authToken: string, request: WebhookRequest, prices: ChannelPrices, receivedAt: Date): WebhookVerdict {
  const verified = verifyTwilioSignature(authToken, request);
  if (!verified.ok) return { accepted: false, httpStatus: 401, reason: verified.reason };
  const { params } = verified;
  const sid = single(params, 'MessageSid') ?? single(params, 'SmsSid');
  const status = single(params, 'MessageStatus') ?? single(params, 'SmsStatus');
  if (!sid || !status) return { accepted: false, httpStatus: 400, reason: 'MessageSid or MessageStatus missing' };
  const query = new URL(request.url).searchParams;
  const sentOn: Channel = query.get('channel') === 'rcs' ? 'rcs' : 'sms';
  const base = {
    provider: 'twilio',
    providerEventId: `${sid}:${status}`,
    channel: sentOn,
    messageId: query.get('message'),
    merchantId: query.get('merchant'),
    providerMessageId: sid,
    occurredAt: receivedAt.toISOString(),
    withdraws: [] as readonly Channel[],
  };
  return { accepted: true, events: [statusEvent(base, status, params, query, prices)] };
}

function statusEvent(base: Base, status: string, params: Params, query: URLSearchParams, prices: ChannelPrices): ProviderEvent {
  switch (status) {
    case 'delivered': {
      const via = base.channel === 'rcs' && !viaRcs(params) ? 'sms' : base.channel;
      const units = via === 'rcs' ? 1 : positive(single(params, 'NumSegments')) ?? positive(query.get('segments'));
      const cost = units === null ? null : priceOf(prices, via, units).cost;
      return { ...base, kind: 'delivered', deliveredVia: via, units, cost };
    }
    case 'read':
      return { ...base, kind: 'opened' };
    case 'failed':
    case 'undelivered':
    case 'canceled': {
      const code = single(params, 'ErrorCode');
      const optOut = code === UNSUBSCRIBED;
      return {
        ...base,
        kind: 'failed',
        permanent: status === 'canceled' || code === null || !TRANSIENT_FAILURES.has(code),
        code: code ?? status,
        reason: withoutPersonalData(single(params, 'ErrorMessage') ?? status),
        withdraws: optOut ? PHONE_CHANNELS : [],
      };
    }
    default:
      return { ...base, kind: 'progress', status };
  }
}

type Base = Omit<Extract<ProviderEvent, { kind: 'opened' }>, 'kind'>;

function viaRcs(params: Params): boolean {
  return (single(params, 'From') ?? '').startsWith('rcs:') || single(params, 'ChannelPrefix') === 'rcs';
}

function positive(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n > 0 ? n : null;
}

/**
 * An incoming message to one of our numbers or RCS senders. A STOP (or one of its French forms, or
 * Twilio's own `OptOutType=STOP` when Advanced Opt-Out matched) withdraws SMS and RCS consent.
 * The merchant is known from our number (`to`) or from a `merchant` parameter in the URL given to Twilio.
 */
export function verifyTwilioInbound(authToken: string, request: WebhookRequest, receivedAt: Date): WebhookVerdict {
  const verified = verifyTwilioSignature(authToken, request);
  if (!verified.ok) return { accepted: false, httpStatus: 401, reason: verified.reason };
  const { params } = verified;
  const sid = single(params, 'MessageSid') ?? single(params, 'SmsSid');
  const from = single(params, 'From');
  const to = single(params, 'To');
  if (!sid || !from || !to) return { accepted: false, httpStatus: 400, reason: 'MessageSid, From or To missing' };
  const channel: Channel = from.startsWith('rcs:') ? 'rcs' : 'sms';
  const optOutType = (single(params, 'OptOutType') ?? '').toUpperCase();
  const keyword =
    optOutType === 'STOP' ? 'stop' : optOutType === 'START' ? 'start' : optOutType === 'HELP' ? 'help' : inboundKeyword(single(params, 'Body') ?? '');
  const event: ProviderEvent = {
    provider: 'twilio',
    providerEventId: sid,
    channel,
    messageId: null,
    merchantId: new URL(request.url).searchParams.get('merchant'),
    providerMessageId: sid,
    occurredAt: receivedAt.toISOString(),
    withdraws: keyword === 'stop' ? PHONE_CHANNELS : [],
    kind: 'inbound',
    from: from.replace(/^rcs:/, ''),
    to: to.replace(/^rcs:/, ''),
    keyword,
  };
  return { accepted: true, events: [event] };
}
