import type { KeyObject } from 'node:crypto';
import type { MailDataRequired, MailService } from '@sendgrid/mail';
import type { ChannelAdapter, EmailMessage, EmailRecipient, RecipientCheck, SendOutcome, WebhookVerdict } from '../channel-adapter.js';
import { mapConcurrently } from '../concurrency.js';
import { priceOf, type ChannelPrices, type CostEstimate } from '../costs.js';
import { classifyHttpFailure, classifyNetworkError, permanent } from '../send-failure.js';
import { SLOT_WRAPPERS } from '../templates/batch-form.js';
import { sendGridPublicKey, verifySendGridEventWebhook } from '../webhooks/sendgrid-event-webhook.js';
import type { WebhookRequest } from '../webhooks/webhook-request.js';
import { checkEmailRecipient } from './email-address.js';
import { listUnsubscribeHeaders } from './unsubscribe-token.js';

export interface SendGridEmailSettings {
  readonly prices: ChannelPrices;
  /** The signed Event Webhook's verification key (base64 DER, as SendGrid shows it). */
  readonly webhookPublicKey: string;
  readonly webhookToleranceSeconds?: number;
  /** The unsubscribe group (ASM) SendGrid also suppresses on its side. */
  readonly asmGroupId?: number | null;
  /** Opaque labels for SendGrid's statistics: SendGrid keeps them as non-personal data, so never a name or address. */
  readonly categories?: readonly string[];
  /** Offered after the https link in List-Unsubscribe, for mail clients that only send mail. */
  readonly unsubscribeMailto?: string | null;
  /** SendGrid validates and answers 200 without delivering anything. */
  readonly sandbox?: boolean;
  /** Recipients per request: SendGrid takes at most 1,000 personalizations. */
  readonly maxPerRequest?: number;
  /** Requests of one batch in flight at once. */
  readonly concurrency?: number;
}

interface Entry {
  readonly index: number;
  readonly message: EmailMessage;
  readonly to: EmailRecipient;
}

const MAX_PERSONALIZATIONS = 1_000;
/** SendGrid's limit on one personalization's substitutions. */
const MAX_SUBSTITUTION_BYTES = 10_000;

/**
 * Email through SendGrid's v3 mail/send. Messages rendered from the same template share a request
 * (up to 1,000 recipients, each address once per request), their differences carried as
 * substitutions; others go one per request. Every recipient gets our message and merchant ids in
 * `custom_args` (the Event Webhook returns them), and for marketing the one-click List-Unsubscribe
 * headers pointing at its own signed link.
 */
export class SendGridEmailAdapter implements ChannelAdapter<EmailMessage> {
  readonly provider = 'sendgrid';
  readonly channels = ['email'] as const;
  private readonly webhookKey: KeyObject;

  constructor(
    private readonly mail: MailService,
    private readonly settings: SendGridEmailSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.webhookKey = sendGridPublicKey(settings.webhookPublicKey);
  }

  validateRecipient(to: EmailRecipient): RecipientCheck<EmailRecipient> {
    return checkEmailRecipient(to);
  }

  estimateCost(): CostEstimate {
    return priceOf(this.settings.prices, 'email', 1);
  }

  async send(message: EmailMessage): Promise<SendOutcome> {
    const [outcome] = await this.sendBatch([message]);
    return outcome as SendOutcome;
  }

  async sendBatch(messages: readonly EmailMessage[]): Promise<SendOutcome[]> {
    const outcomes = new Array<SendOutcome>(messages.length);
    const groups = new Map<string, Entry[]>();
    messages.forEach((message, index) => {
      const checked = checkEmailRecipient(message.to);
      if (!checked.ok) {
        outcomes[index] = permanent(this.provider, message.messageId, checked.code, checked.reason, { invalidRecipient: true });
      } else if (message.marketing && !message.unsubscribeUrl) {
        outcomes[index] = permanent(this.provider, message.messageId, 'unsubscribe-missing', 'a marketing email needs its unsubscribe link');
      } else {
        const key = batchKey(message) ?? `single:${index}`;
        groups.set(key, [...(groups.get(key) ?? []), { index, message, to: checked.recipient }]);
      }
    });
    const requests = [...groups.entries()].flatMap(([key, entries]) => (key.startsWith('single:') ? [[...entries]] : chunks(entries, this.settings.maxPerRequest ?? MAX_PERSONALIZATIONS)));
    await mapConcurrently(requests, this.settings.concurrency ?? 4, async (entries) => {
      for (const [i, outcome] of (await this.request(entries)).entries()) outcomes[(entries[i] as Entry).index] = outcome;
    });
    return outcomes;
  }

  verifyWebhook(request: WebhookRequest): WebhookVerdict {
    return verifySendGridEventWebhook(this.webhookKey, request, this.now(), this.settings.webhookToleranceSeconds);
  }

  private async request(entries: readonly Entry[]): Promise<SendOutcome[]> {
    try {
      const [response] = await this.mail.send(this.mailData(entries));
      const headers = response.headers as Record<string, unknown>;
      const providerMessageId = String(headers['x-message-id'] ?? `sendgrid-${response.statusCode}`);
      const { cost, units } = this.estimateCost();
      return entries.map(({ message }) => ({ kind: 'accepted', messageId: message.messageId, provider: this.provider, providerMessageId, channel: 'email', units, cost }));
    } catch (error) {
      const failure = responseFailure(error);
      // A 400 on a shared request may be one recipient's fault: each is tried alone to find out.
      if (failure?.status === 400 && entries.length > 1) {
        return (await mapConcurrently(entries, this.settings.concurrency ?? 4, (entry) => this.request([entry]))).flat();
      }
      return entries.map(({ message }) => {
        if (!failure) return classifyNetworkError(this.provider, message.messageId, error);
        const outcome = classifyHttpFailure(this.provider, message.messageId, failure, this.now());
        return outcome.kind === 'permanent' && failure.recipientField ? { ...outcome, invalidRecipient: true } : outcome;
      });
    }
  }

  private mailData(entries: readonly Entry[]): MailDataRequired {
    const first = (entries[0] as Entry).message;
    const shared = entries.length > 1 ? first.batchForm : null;
    const content = shared ?? first;
    const { asmGroupId, categories, sandbox, unsubscribeMailto } = this.settings;
    return {
      from: first.from,
      ...(first.replyTo ? { replyTo: first.replyTo } : {}),
      subject: content.subject,
      text: content.text,
      html: content.html,
      personalizations: entries.map(({ message, to }) => ({
        to: [{ email: to.email, ...(to.name ? { name: to.name } : {}) }],
        customArgs: { message_id: message.messageId, merchant_id: message.merchantId },
        ...(message.unsubscribeUrl ? { headers: listUnsubscribeHeaders(message.unsubscribeUrl, unsubscribeMailto) } : {}),
        ...(shared && message.batchForm ? { substitutions: Object.fromEntries(message.batchForm.values.map((v, i) => [String(i), v])) } : {}),
      })),
      substitutionWrappers: [...SLOT_WRAPPERS],
      ...(categories?.length ? { categories: [...categories] } : {}),
      ...(asmGroupId ? { asm: { groupId: asmGroupId } } : {}),
      ...(sandbox ? { mailSettings: { sandboxMode: { enable: true } } } : {}),
      hideWarnings: true,
    };
  }
}

/** Messages that can share a request: same sender and same content once their values are taken out. */
function batchKey(message: EmailMessage): string | null {
  const form = message.batchForm;
  if (!form) return null;
  const bytes = form.values.reduce((n, v, i) => n + Buffer.byteLength(v) + `${SLOT_WRAPPERS[0]}${i}${SLOT_WRAPPERS[1]}`.length, 0);
  if (bytes > MAX_SUBSTITUTION_BYTES) return null;
  return JSON.stringify([message.from, message.replyTo ?? null, form.subject, form.html, form.text]);
}

/** Requests of at most `size` recipients, an address at most once in each (SendGrid refuses duplicates). */
function chunks(entries: readonly Entry[], size: number): Entry[][] {
  const requests: { entries: Entry[]; addresses: Set<string> }[] = [];
  for (const entry of entries) {
    const address = entry.to.email.toLowerCase();
    let target = requests.find((r) => r.entries.length < size && !r.addresses.has(address));
    if (!target) {
      target = { entries: [], addresses: new Set() };
      requests.push(target);
    }
    target.entries.push(entry);
    target.addresses.add(address);
  }
  return requests.map((r) => r.entries);
}

/** SendGrid's ResponseError: the HTTP status as `code`, the response's headers and `errors[]`. */
function responseFailure(error: unknown): { status: number; headers: Record<string, unknown>; code: string; reason: string; recipientField: boolean } | null {
  const e = error as { code?: unknown; response?: { headers?: Record<string, unknown>; body?: unknown } };
  if (typeof e?.code !== 'number' || !e.response) return null;
  const errors = ((e.response.body as { errors?: { message?: string; field?: string | null }[] } | undefined)?.errors ?? []).filter(Boolean);
  const reason = errors.map((x) => (x.field ? `${x.field}: ${x.message ?? ''}` : (x.message ?? ''))).join('; ') || `HTTP ${e.code}`;
  return { status: e.code, headers: e.response.headers ?? {}, code: String(e.code), reason, recipientField: errors.some((x) => /\.to\b|\.email\b/.test(x.field ?? '')) };
}
