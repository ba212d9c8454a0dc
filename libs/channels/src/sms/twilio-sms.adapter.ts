import type { Twilio } from 'twilio';
import type { ChannelAdapter, PhoneRecipient, RecipientCheck, SendOutcome, SmsMessage, WebhookVerdict } from '../channel-adapter.js';
import { mapConcurrently } from '../concurrency.js';
import { priceOf, type CostEstimate } from '../costs.js';
import { smsSegments } from '../sms-segments.js';
import { verifyTwilioInbound, verifyTwilioStatusCallback } from '../webhooks/twilio-webhooks.js';
import type { WebhookRequest } from '../webhooks/webhook-request.js';
import { checkPhoneRecipient } from './phone-number.js';
import { checkText, createMessage, statusCallbackFor, type TwilioSettings } from './twilio-send.js';

export interface TwilioSmsSettings extends TwilioSettings {
  /** Send through a Messaging Service (its sender pool, opt-out handling)… */
  readonly messagingServiceSid?: string | null;
  /** …or from one sender: an alphanumeric sender id or a short code (A2P from 06/07 numbers is barred in France). */
  readonly from?: string | null;
}

/**
 * SMS through Twilio's Messages API: the number in E.164, the body checked for the shop's name and
 * its STOP mention, a status callback URL carrying our ids, and the cost from our own count of
 * GSM-7 / UCS-2 segments (Twilio's `num_segments` is 0 when a Messaging Service answers).
 */
export class TwilioSmsAdapter implements ChannelAdapter<SmsMessage> {
  readonly provider = 'twilio';
  readonly channels = ['sms'] as const;

  constructor(
    private readonly client: Twilio,
    private readonly settings: TwilioSmsSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (!settings.messagingServiceSid && !settings.from) throw new Error('Twilio SMS needs a Messaging Service SID or a sender');
  }

  validateRecipient(to: PhoneRecipient): RecipientCheck<PhoneRecipient> {
    return checkPhoneRecipient(to, this.settings.defaultCountry);
  }

  estimateCost(message: SmsMessage): CostEstimate {
    return priceOf(this.settings.prices, 'sms', Math.max(1, smsSegments(message.body).segments));
  }

  async send(message: SmsMessage): Promise<SendOutcome> {
    const { messageId } = message;
    const checked = checkText(message, this.settings);
    if (!checked.ok) return checked.outcome;
    const { segments } = checked;
    const result = await createMessage(
      this.client,
      {
        to: checked.phone,
        body: message.body,
        statusCallback: statusCallbackFor(this.settings.statusCallbackUrl, message, 'sms', segments),
        ...(this.settings.messagingServiceSid ? { messagingServiceSid: this.settings.messagingServiceSid } : { from: this.settings.from ?? '' }),
      },
      messageId,
      this.now(),
    );
    if (!result.ok) return result.outcome;
    const { cost, units } = priceOf(this.settings.prices, 'sms', segments);
    return { kind: 'accepted', messageId, provider: this.provider, providerMessageId: result.resource.sid, channel: 'sms', units, cost };
  }

  sendBatch(messages: readonly SmsMessage[]): Promise<SendOutcome[]> {
    return mapConcurrently(messages, this.settings.concurrency ?? 8, (message) => this.send(message));
  }

  /** A status callback (the URL given with each message). */
  verifyWebhook(request: WebhookRequest): WebhookVerdict {
    return verifyTwilioStatusCallback(this.settings.authToken, request, this.settings.prices, this.now());
  }

  /** A message a recipient sent to our number: STOP and its French forms withdraw consent. */
  verifyInbound(request: WebhookRequest): WebhookVerdict {
    return verifyTwilioInbound(this.settings.authToken, request, this.now());
  }
}
