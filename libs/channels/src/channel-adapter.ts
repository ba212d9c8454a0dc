import type { Channel } from '@relance/domain';
import type { CostEstimate, Money } from './costs.js';
import type { BatchForm } from './templates/batch-form.js';
import type { PostalAddress } from './postal/postal-address.js';
import type { ProviderEvent } from './webhooks/provider-event.js';
import type { WebhookRequest } from './webhooks/webhook-request.js';

export type { Channel };

/**
 * What every message carries whatever its channel. Ids only: the provider sees the message and
 * merchant ids (to send its callbacks back to the right stream), never anything about the person
 * beyond what the channel needs to reach them.
 */
export interface MessageEnvelope {
  readonly messageId: string;
  readonly merchantId: string;
  readonly customerId: string;
  readonly campaignId: string | null;
  /** Marketing messages must carry an opt-out (unsubscribe link, STOP mention); adapters refuse them otherwise. */
  readonly marketing: boolean;
}

export interface EmailRecipient {
  readonly email: string;
  readonly name?: string | null;
}

export interface EmailMessage extends MessageEnvelope {
  readonly channel: 'email';
  readonly to: EmailRecipient;
  readonly from: { readonly email: string; readonly name: string };
  readonly replyTo?: { readonly email: string; readonly name?: string } | null;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** The signed one-click URL (see unsubscribe-token.ts); required for marketing email. */
  readonly unsubscribeUrl: string | null;
  /**
   * The same content with the per-recipient values taken out (from `renderMessage`), so that
   * messages of one template share one SendGrid request. Null: sent in a request of its own.
   */
  readonly batchForm?: BatchForm | null;
}

export interface PhoneRecipient {
  /** As entered: national (06 12 34 56 78, with `country`) or international (+33 6…). */
  readonly phone: string;
  /** ISO 3166 country used to read a national number; the merchant's country by default. */
  readonly country?: string;
}

export interface SmsMessage extends MessageEnvelope {
  readonly channel: 'sms';
  readonly to: PhoneRecipient;
  readonly body: string;
  /** The merchant's name as the body must show it (checked for marketing SMS). */
  readonly shopName: string;
}

export interface RcsMessage extends MessageEnvelope {
  readonly channel: 'rcs';
  readonly to: PhoneRecipient;
  /** Shown over RCS, and the SMS text if the message falls back to SMS: it carries the STOP mention. */
  readonly body: string;
  readonly shopName: string;
  /** A Twilio Content template for rich RCS (cards, buttons); the body stays the SMS fallback. */
  readonly contentSid?: string | null;
  readonly contentVariables?: Readonly<Record<string, string>> | null;
}

export interface LetterMessage extends MessageEnvelope {
  readonly channel: 'postal';
  readonly to: PostalAddress;
  /** The shop's postal address: printed at the top left, and where replies and objections go. */
  readonly sender: PostalAddress;
  /** "Objet : …" line; null for none. */
  readonly subject: string | null;
  /** Rendered letter text: paragraphs separated by a blank line; a paragraph in **…** is printed bold. */
  readonly body: string;
  /** The letter's date as printed, already in the merchant's words: `letterDateLine` gives "Lyon, le 3 décembre 2026". */
  readonly dateLine: string;
}

export type OutboundMessage = EmailMessage | SmsMessage | RcsMessage | LetterMessage;

/** A recipient checked before anything is sent: normalised when valid, a reason when not. */
export type RecipientCheck<R> =
  | { readonly ok: true; readonly recipient: R }
  | { readonly ok: false; readonly code: string; readonly reason: string };

/**
 * The outcome of one send, classified so that the caller never reads provider errors:
 * - `accepted`: the provider took it (and will report delivery by webhook);
 * - `retryable`: try again later (429, 5xx, network); `retryAfterMs` is what the provider asked for
 *   (Retry-After or rate-limit reset headers), null when it said nothing; `outcomeUnknown` when the
 *   request may have reached the provider (timeout, reset, 500/502/504): a retry may then duplicate
 *   the message unless the provider deduplicates it;
 * - `permanent`: do not retry (invalid recipient, opted out at the provider, refused content…).
 */
export type SendOutcome = SendAccepted | SendRetryable | SendPermanent;

export interface SendAccepted {
  readonly kind: 'accepted';
  readonly messageId: string;
  readonly provider: string;
  readonly providerMessageId: string;
  /** The channel it was sent on; for RCS, which of RCS or SMS delivered it is known only from the status callback. */
  readonly channel: Channel;
  /** SMS segments; 1 for an email, an RCS message, a letter's first sheet (plus extra sheets). */
  readonly units: number;
  readonly cost: Money;
  /** The provider had already accepted this message under its idempotency key: an earlier attempt went through. */
  readonly duplicate?: boolean;
}

export interface SendRetryable {
  readonly kind: 'retryable';
  readonly messageId: string;
  readonly provider: string;
  readonly code: string | null;
  readonly reason: string;
  readonly httpStatus: number | null;
  readonly retryAfterMs: number | null;
  readonly outcomeUnknown: boolean;
}

export interface SendPermanent {
  readonly kind: 'permanent';
  readonly messageId: string;
  readonly provider: string;
  readonly code: string | null;
  readonly reason: string;
  readonly httpStatus: number | null;
  /** The provider holds an opt-out for this recipient (Twilio 21610): withdraw the channel's consent. */
  readonly optedOut: boolean;
  /** The address or number cannot receive this channel: stop using it. */
  readonly invalidRecipient: boolean;
}

/**
 * A verified webhook gives its events; an unverified one gives the HTTP status to answer (401 for a
 * bad or missing signature or an old timestamp, 400 for a signed body that cannot be read) and
 * nothing to record.
 */
export type WebhookVerdict =
  | { readonly accepted: true; readonly events: readonly ProviderEvent[] }
  | { readonly accepted: false; readonly httpStatus: 400 | 401; readonly reason: string };

/**
 * One provider behind one small interface. `send` and `sendBatch` never throw for what a provider
 * or a recipient did: every failure comes back as a classified outcome. `sendBatch` answers one
 * outcome per message, in the order given.
 */
export interface ChannelAdapter<M extends OutboundMessage = OutboundMessage> {
  readonly provider: string;
  readonly channels: readonly M['channel'][];
  validateRecipient(to: M['to']): RecipientCheck<M['to']>;
  estimateCost(message: M): CostEstimate;
  send(message: M): Promise<SendOutcome>;
  sendBatch(messages: readonly M[]): Promise<SendOutcome[]>;
  verifyWebhook(request: WebhookRequest): WebhookVerdict;
}
