import type { Twilio } from 'twilio';
import type { MessageInstance, MessageListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/message.js';
import type { Channel } from '@relance/domain';
import type { ChannelPrices } from '../costs.js';
import type { RcsMessage, SendPermanent, SendRetryable, SmsMessage } from '../channel-adapter.js';
import { classifyHttpFailure, classifyNetworkError, permanent } from '../send-failure.js';
import { smsSegments } from '../sms-segments.js';
import { checkPhoneRecipient } from './phone-number.js';
import { TwilioHttpError } from './twilio-client.js';

/** What the Twilio SMS and RCS adapters share. */
export interface TwilioSettings {
  readonly prices: ChannelPrices;
  /** The auth token status callbacks and inbound messages are signed with. */
  readonly authToken: string;
  /** Our status callback route on the engine (https, no underscore in the host); message ids are added to it. */
  readonly statusCallbackUrl: string;
  /** The number that takes STOP replies ("STOP au 36111"): a marketing text must mention it. */
  readonly stopNumber: string;
  /** Country a national number is read in; the merchant's. */
  readonly defaultCountry?: string;
  /** Refuse a text longer than this (French short codes take at most 10 segments). */
  readonly maxSegments?: number;
  readonly concurrency?: number;
}

/**
 * `…?merchant=…&message=…&channel=…&segments=…`: Twilio signs the callback with its full URL, so
 * these come back authenticated. Ids and a count only: no personal data in a URL the provider keeps.
 */
export function statusCallbackFor(base: string, ids: { merchantId: string; messageId: string }, channel: Channel, segments: number): string {
  const url = new URL(base);
  url.searchParams.set('merchant', ids.merchantId);
  url.searchParams.set('message', ids.messageId);
  url.searchParams.set('channel', channel);
  url.searchParams.set('segments', String(segments));
  return url.toString();
}

/** A marketing text names the shop and says how to stop: refused before it leaves otherwise. */
export function complianceProblem(body: string, shopName: string, stopNumber: string): string | null {
  if (!body.includes(shopName)) return 'a marketing text must name the shop';
  if (!new RegExp(`\\bSTOP\\b[^\\n]*${stopNumber.replace(/[^0-9A-Za-z]/g, '')}`).test(body)) return `a marketing text must say "STOP au ${stopNumber}"`;
  return null;
}

/**
 * What is checked before a text leaves, for SMS and RCS alike: a number that can receive it, the
 * shop's name and STOP mention in a marketing text, and a length between 1 and `maxSegments`
 * segments (for RCS, of its SMS fallback).
 */
export function checkText(message: SmsMessage | RcsMessage, settings: TwilioSettings): { ok: true; phone: string; segments: number } | { ok: false; outcome: SendPermanent } {
  const refuse = (code: string | null, reason: string, invalidRecipient = false) => ({ ok: false as const, outcome: permanent('twilio', message.messageId, code, reason, { invalidRecipient }) });
  const checked = checkPhoneRecipient(message.to, settings.defaultCountry);
  if (!checked.ok) return refuse(checked.code, checked.reason, true);
  const problem = message.marketing ? complianceProblem(message.body, message.shopName, settings.stopNumber) : null;
  if (problem) return refuse('compliance', problem);
  const { segments } = smsSegments(message.body);
  const max = settings.maxSegments ?? 10;
  if (segments === 0 || segments > max) return refuse('segments', `${segments} segments${message.channel === 'rcs' ? ' for the SMS fallback' : ''}: between 1 and ${max}`);
  return { ok: true, phone: checked.recipient.phone, segments };
}

export type CreateResult = { ok: true; resource: MessageInstance } | { ok: false; outcome: SendRetryable | SendPermanent };

export async function createMessage(client: Twilio, params: MessageListInstanceCreateOptions, messageId: string, now: Date): Promise<CreateResult> {
  try {
    return { ok: true, resource: await client.messages.create(params) };
  } catch (error) {
    return { ok: false, outcome: classifyTwilioError(messageId, error, now) };
  }
}

const OPTED_OUT = 21610;
const NOT_A_RECIPIENT = new Set([21211, 21612, 21614, 21408]);
const RETRY_LATER = new Set([20429, 21611]);

export function classifyTwilioError(messageId: string, error: unknown, now: Date): SendRetryable | SendPermanent {
  if (error instanceof TwilioHttpError) {
    return classifyHttpFailure('twilio', messageId, { status: error.status, headers: error.headers, code: error.code, reason: error.message }, now);
  }
  const e = error as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.status !== 'number') return classifyNetworkError('twilio', messageId, error);
  const code = typeof e.code === 'number' ? e.code : Number(e.code);
  const reason = typeof e.message === 'string' ? e.message : `HTTP ${e.status}`;
  if (code === OPTED_OUT) return permanent('twilio', messageId, String(code), reason, { httpStatus: e.status, optedOut: true });
  if (NOT_A_RECIPIENT.has(code)) return permanent('twilio', messageId, String(code), reason, { httpStatus: e.status, invalidRecipient: code !== 21408 });
  if (RETRY_LATER.has(code)) return { ...classifyHttpFailure('twilio', messageId, { status: 429, code: String(code), reason }, now), httpStatus: e.status };
  return classifyHttpFailure('twilio', messageId, { status: e.status, code: Number.isFinite(code) ? String(code) : null, reason }, now);
}
