import type { Twilio } from 'twilio';
import type { Channel } from '@relance/domain';
import type { ChannelAdapter, PhoneRecipient, RcsMessage, RecipientCheck, SendOutcome, WebhookVerdict } from '../channel-adapter.js';
import { mapConcurrently } from '../concurrency.js';
import { priceOf, providerPriceMinor, type CostEstimate, type Money } from '../costs.js';
import { smsSegments } from '../sms-segments.js';
import { verifyTwilioInbound, verifyTwilioStatusCallback } from '../webhooks/twilio-webhooks.js';
import type { WebhookRequest } from '../webhooks/webhook-request.js';
import { checkPhoneRecipient } from './phone-number.js';
import { checkText, classifyTwilioError, createMessage, statusCallbackFor, type TwilioSettings } from './twilio-send.js';

export interface TwilioRcsSettings extends TwilioSettings {
  /** A Messaging Service whose sender pool holds the RCS sender and the SMS sender it falls back to. */
  readonly messagingServiceSid: string;
  /** The SMS sender to fall back to, when the pool has several. */
  readonly fallbackFrom?: string | null;
}

/**
 * RCS through a Twilio Messaging Service: Twilio tries RCS first and falls back to SMS by itself
 * when the phone or its carrier cannot take RCS. Which of the two delivered the message, and so
 * what it cost, comes with the status callback (`deliveredVia` of the delivered event), or from
 * `deliveredChannel` once the message is final.
 */
export class TwilioRcsAdapter implements ChannelAdapter<RcsMessage> {
  readonly provider = 'twilio';
  readonly channels = ['rcs'] as const;

  constructor(
    private readonly client: Twilio,
    private readonly settings: TwilioRcsSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  validateRecipient(to: PhoneRecipient): RecipientCheck<PhoneRecipient> {
    return checkPhoneRecipient(to, this.settings.defaultCountry);
  }

  /** The dearer of the two ways it may go: an RCS message, or its text as SMS segments. */
  estimateCost(message: RcsMessage): CostEstimate {
    const rcs = priceOf(this.settings.prices, 'rcs', 1);
    const sms = priceOf(this.settings.prices, 'sms', Math.max(1, smsSegments(message.body).segments));
    return sms.milliMinor > rcs.milliMinor ? sms : rcs;
  }

  async send(message: RcsMessage): Promise<SendOutcome> {
    const { messageId } = message;
    const checked = checkText(message, this.settings);
    if (!checked.ok) return checked.outcome;
    const result = await createMessage(
      this.client,
      {
        to: checked.phone,
        messagingServiceSid: this.settings.messagingServiceSid,
        body: message.body,
        statusCallback: statusCallbackFor(this.settings.statusCallbackUrl, message, 'rcs', checked.segments),
        ...(message.contentSid ? { contentSid: message.contentSid } : {}),
        ...(message.contentVariables ? { contentVariables: JSON.stringify(message.contentVariables) } : {}),
        ...(this.settings.fallbackFrom ? { fallbackFrom: this.settings.fallbackFrom } : {}),
      },
      messageId,
      this.now(),
    );
    if (!result.ok) return result.outcome;
    const { cost, units } = priceOf(this.settings.prices, 'rcs', 1);
    return { kind: 'accepted', messageId, provider: this.provider, providerMessageId: result.resource.sid, channel: 'rcs', units, cost };
  }

  sendBatch(messages: readonly RcsMessage[]): Promise<SendOutcome[]> {
    return mapConcurrently(messages, this.settings.concurrency ?? 8, (message) => this.send(message));
  }

  verifyWebhook(request: WebhookRequest): WebhookVerdict {
    return verifyTwilioStatusCallback(this.settings.authToken, request, this.settings.prices, this.now());
  }

  verifyInbound(request: WebhookRequest): WebhookVerdict {
    return verifyTwilioInbound(this.settings.authToken, request, this.now());
  }

  /**
   * Which channel carried a message and what Twilio charged, read from the Message resource: its
   * sender is an `rcs:` address when RCS delivered it. The price is Twilio's once rated (null
   * before), in our currency only.
   */
  async deliveredChannel(
    providerMessageId: string,
  ): Promise<{ ok: true; via: Channel; status: string; units: number | null; cost: Money | null } | { ok: false; reason: string }> {
    try {
      const resource = await this.client.messages(providerMessageId).fetch();
      const via: Channel = resource.from?.startsWith('rcs:') ? 'rcs' : 'sms';
      const segments = Number(resource.numSegments);
      const units = via === 'rcs' ? 1 : Number.isFinite(segments) && segments > 0 ? segments : null;
      const currency = this.settings.prices.currency;
      const charged = (resource.priceUnit ?? '').toUpperCase() === currency ? providerPriceMinor(resource.price, currency) : null;
      const cost = charged !== null ? { amountMinor: charged, currency } : units === null ? null : priceOf(this.settings.prices, via, units).cost;
      return { ok: true, via, status: resource.status, units, cost };
    } catch (error) {
      return { ok: false, reason: classifyTwilioError(providerMessageId, error, this.now()).reason };
    }
  }
}
