import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  ChannelAdapter,
  EmailMessage,
  LetterMessage,
  OutboundMessage,
  RcsMessage,
  RecipientCheck,
  SendOutcome,
  SmsMessage,
  WebhookVerdict,
} from '../channel-adapter.js';
import { priceOf, type ChannelPrices, type CostEstimate } from '../costs.js';
import { checkEmailRecipient } from '../email/email-address.js';
import { estimatedLetterPages, LetterLayoutError, renderLetterPdf } from '../postal/letter-pdf.js';
import { checkPostalAddress } from '../postal/postal-address.js';
import { permanent } from '../send-failure.js';
import { smsSegments } from '../sms-segments.js';
import { checkPhoneRecipient } from '../sms/phone-number.js';
import { complianceProblem } from '../sms/twilio-send.js';
import { formatMoney } from '../templates/formatting.js';
import { emailToMime } from './mime-message.js';

export interface OutboxSettings {
  /** The outbox folder: `<dir>/<merchant>/<channel>/<message>.eml|.txt|.pdf`. */
  readonly dir: string;
  readonly prices: ChannelPrices;
  /** The STOP number marketing texts must mention, as with a real provider. */
  readonly stopNumber: string;
  readonly defaultCountry?: string;
  readonly unsubscribeMailto?: string | null;
}

/**
 * Capture mode, for when no provider is configured (a demo, a developer's machine): every channel,
 * the same checks as the providers, and instead of sending, one readable file per message. A
 * message written again (a retried job) replaces its file. The cost reported is what the provider
 * would have charged; `provider` is `capture`, so figures can tell it apart.
 */
export class OutboxAdapter implements ChannelAdapter<OutboundMessage> {
  readonly provider = 'capture';
  readonly channels = ['email', 'sms', 'rcs', 'postal'] as const;

  constructor(
    private readonly settings: OutboxSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  validateRecipient(to: OutboundMessage['to']): RecipientCheck<OutboundMessage['to']> {
    if ('email' in to) return checkEmailRecipient(to);
    if ('phone' in to) return checkPhoneRecipient(to, this.settings.defaultCountry);
    return checkPostalAddress(to);
  }

  estimateCost(message: OutboundMessage): CostEstimate {
    const { prices } = this.settings;
    switch (message.channel) {
      case 'email':
        return priceOf(prices, 'email', 1);
      case 'sms':
        return priceOf(prices, 'sms', Math.max(1, smsSegments(message.body).segments));
      case 'rcs':
        return priceOf(prices, 'rcs', 1);
      case 'postal':
        return priceOf(prices, 'postal', 1, estimatedLetterPages(message.body) - 1);
    }
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const checked = this.validateRecipient(message.to);
    if (!checked.ok) return permanent(this.provider, message.messageId, checked.code, checked.reason, { invalidRecipient: true });
    let file: { name: string; content: string | Uint8Array; units: number; extraSheets?: number };
    switch (message.channel) {
      case 'email': {
        if (message.marketing && !message.unsubscribeUrl) return permanent(this.provider, message.messageId, 'unsubscribe-missing', 'a marketing email needs its unsubscribe link');
        file = { name: `${message.messageId}.eml`, content: emailToMime({ ...message, to: checked.recipient } as EmailMessage, this.now(), this.settings.unsubscribeMailto), units: 1 };
        break;
      }
      case 'sms':
      case 'rcs': {
        const problem = message.marketing ? complianceProblem(message.body, message.shopName, this.settings.stopNumber) : null;
        if (problem) return permanent(this.provider, message.messageId, 'compliance', problem);
        const text = this.textFile(message, (checked.recipient as SmsMessage['to']).phone);
        file = { name: `${message.messageId}.txt`, content: text.content, units: text.units };
        break;
      }
      case 'postal': {
        try {
          const printed = await renderLetterPdf({ ...message, to: checked.recipient } as LetterMessage);
          file = { name: `${message.messageId}.pdf`, content: printed.pdf, units: 1, extraSheets: printed.pages - 1 };
        } catch (error) {
          if (error instanceof LetterLayoutError) return permanent(this.provider, message.messageId, 'letter-layout', error.message);
          throw error;
        }
        break;
      }
    }
    const dir = path.join(this.settings.dir, message.merchantId, message.channel);
    await mkdir(dir, { recursive: true });
    const target = path.join(dir, file.name);
    await writeFile(`${target}.tmp`, file.content);
    await rename(`${target}.tmp`, target);
    const { cost, units } = priceOf(this.settings.prices, message.channel, file.units, file.extraSheets ?? 0);
    return { kind: 'accepted', messageId: message.messageId, provider: this.provider, providerMessageId: path.relative(this.settings.dir, target), channel: message.channel, units, cost };
  }

  async sendBatch(messages: readonly OutboundMessage[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    for (const message of messages) outcomes.push(await this.send(message));
    return outcomes;
  }

  verifyWebhook(): WebhookVerdict {
    return { accepted: false, httpStatus: 400, reason: 'capture mode receives no webhooks' };
  }

  private textFile(message: SmsMessage | RcsMessage, phone: string): { content: string; units: number } {
    const { segments, encoding, units } = smsSegments(message.body);
    const rcs = message.channel === 'rcs';
    const cost = priceOf(this.settings.prices, message.channel, rcs ? 1 : segments).cost;
    const lines = [
      `Channel: ${rcs ? 'RCS (SMS fallback below)' : 'SMS'}`,
      `To: ${phone}`,
      `Message: ${message.messageId}`,
      `Merchant: ${message.merchantId}${message.campaignId ? `  Campaign: ${message.campaignId}` : ''}`,
      `Encoding: ${encoding}  Segments: ${segments}  (${units} ${encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'}, ${[...message.body].length} characters)`,
      `Cost: ${formatMoney(cost.amountMinor, cost.currency, 'fr-FR')}${rcs ? ' as RCS; as SMS: ' + formatMoney(priceOf(this.settings.prices, 'sms', segments).cost.amountMinor, cost.currency, 'fr-FR') : ''}`,
      ...(rcs && message.contentSid ? [`Content: ${message.contentSid}`] : []),
      '',
      message.body,
      '',
    ];
    return { content: lines.join('\n'), units: rcs ? 1 : segments };
  }
}
