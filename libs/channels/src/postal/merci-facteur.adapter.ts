import type { ChannelAdapter, LetterMessage, RecipientCheck, SendOutcome, WebhookVerdict } from '../channel-adapter.js';
import { priceOf, providerPriceMinor, type ChannelPrices, type CostEstimate } from '../costs.js';
import { classifyHttpFailure, classifyNetworkError, permanent } from '../send-failure.js';
import type { WebhookRequest } from '../webhooks/webhook-request.js';
import { estimatedLetterPages, renderLetterPdf, LetterLayoutError } from './letter-pdf.js';
import type { MerciFacteurApi, MerciFacteurResponse } from './merci-facteur-api.js';
import { referenceOfMessage, verifyMerciFacteurWebhook } from './merci-facteur-webhook.js';
import { checkPostalAddress, type PostalAddress } from './postal-address.js';

export interface MerciFacteurSettings {
  readonly prices: ChannelPrices;
  /** The account's webhook secret (X-Mf-Webhook-Secret-Key). */
  readonly webhookSecret: string;
  /** `normal` is lettre verte without tracking; `suivi` adds tracking. */
  readonly mode?: 'normal' | 'suivi';
}

/**
 * Letters printed and posted by Merci Facteur (La Poste), one `sendCourrier` per letter. Each
 * carries `antidoublon` = merchant and message id: Merci Facteur refuses the same value twice within
 * 30 days, so a letter whose first attempt timed out can be sent again without printing it twice.
 */
export class MerciFacteurAdapter implements ChannelAdapter<LetterMessage> {
  readonly provider = 'merci-facteur';
  readonly channels = ['postal'] as const;

  constructor(
    private readonly api: MerciFacteurApi,
    private readonly settings: MerciFacteurSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  validateRecipient(to: PostalAddress): RecipientCheck<PostalAddress> {
    const checked = checkPostalAddress(to);
    // Merci Facteur has three street lines where the French standard allows four.
    if (checked.ok && checked.recipient.lines.length > 3) {
      return { ok: false, code: 'address-too-many-lines', reason: 'Merci Facteur takes at most 3 lines between the name and the postcode' };
    }
    return checked;
  }

  estimateCost(letter: LetterMessage): CostEstimate {
    return priceOf(this.settings.prices, 'postal', 1, estimatedLetterPages(letter.body) - 1);
  }

  async send(letter: LetterMessage): Promise<SendOutcome> {
    const { messageId } = letter;
    const checked = this.validateRecipient(letter.to);
    if (!checked.ok) return permanent(this.provider, messageId, checked.code, checked.reason, { invalidRecipient: true });
    const reference = referenceOfMessage(messageId);
    if (reference === null) return permanent(this.provider, messageId, 'message-id', 'the message id is neither a UUID nor 30 characters or fewer');
    let pdf;
    try {
      pdf = await renderLetterPdf({ ...letter, to: checked.recipient });
    } catch (error) {
      if (error instanceof LetterLayoutError) return permanent(this.provider, messageId, 'letter-layout', error.message);
      throw error;
    }
    const form = {
      idUser: String(this.api.userId),
      modeEnvoi: this.settings.mode ?? 'normal',
      antidoublon: `relance-${letter.merchantId}-${messageId}`,
      adress: JSON.stringify({ exp: { ...address(letter.sender), email: '' }, dest: [{ ...address(checked.recipient), phone: '', email: '', consent: 0, reference }] }),
      // Empty values are "" at every level: the API rejects [] and null.
      content: JSON.stringify({
        letter: { files: '', base64files: [Buffer.from(pdf.pdf).toString('base64')], print_sides: 'recto', final_filename: reference },
        photo: '',
        card: '',
      }),
    };
    let response: MerciFacteurResponse;
    try {
      const token = await this.api.accessToken();
      if (!token.ok) return this.failure(messageId, token.response, 'getToken');
      response = await this.api.sendCourrier(token.token, form);
      if (response.status === 401) this.api.dropToken();
    } catch (error) {
      return classifyNetworkError(this.provider, messageId, error);
    }
    if (response.status !== 200 || response.body?.success !== true) return this.failure(messageId, response, 'sendCourrier');
    const body = response.body;
    const estimate = priceOf(this.settings.prices, 'postal', 1, pdf.pages - 1);
    const total = (body.price as { total?: { ht?: unknown } } | undefined)?.total?.ht;
    const charged = this.settings.prices.currency === 'EUR' ? providerPriceMinor(total as number | string | undefined, 'EUR') : null;
    return {
      kind: 'accepted',
      messageId,
      provider: this.provider,
      providerMessageId: String(body.envoi_id),
      channel: 'postal',
      units: estimate.units,
      cost: charged === null ? estimate.cost : { amountMinor: charged, currency: 'EUR' },
    };
  }

  async sendBatch(letters: readonly LetterMessage[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    for (const letter of letters) outcomes.push(await this.send(letter));
    return outcomes;
  }

  verifyWebhook(request: WebhookRequest): WebhookVerdict {
    return verifyMerciFacteurWebhook(this.settings.webhookSecret, request);
  }

  private failure(messageId: string, response: MerciFacteurResponse, call: string): SendOutcome {
    const error = response.body?.error;
    const code = typeof error === 'string' ? error : typeof error === 'object' && error ? String((error as { code?: unknown }).code ?? call) : null;
    const reason = `${call}: ${typeof error === 'object' && error ? JSON.stringify(error) : (code ?? `HTTP ${response.status}`)}`;
    // A repeated antidoublon means an earlier attempt was accepted (its answer lost): the letter is on its way.
    // Merci Facteur documents the refusal, not its code, so it is recognised by the word.
    if (call === 'sendCourrier' && /doublon/i.test(reason)) {
      return { kind: 'accepted', messageId, provider: this.provider, providerMessageId: `antidoublon:${messageId}`, channel: 'postal', units: 1, cost: priceOf(this.settings.prices, 'postal', 1).cost, duplicate: true };
    }
    if (response.status === 429 || response.status >= 500) {
      return classifyHttpFailure(this.provider, messageId, { status: response.status, headers: response.headers, code, reason }, this.now());
    }
    return permanent(this.provider, messageId, code ?? String(response.status), reason, { httpStatus: response.status });
  }
}

/** Every key present, unused ones as "": Merci Facteur refuses an address with a key missing. */
function address(a: PostalAddress): Record<string, string> {
  const [line1 = '', line2 = '', line3 = ''] = a.lines;
  return {
    civilite: '',
    nom: a.name,
    prenom: '',
    societe: '',
    adresse1: line1,
    adresse2: line2,
    adresse3: line3,
    cp: a.postcode,
    ville: a.city,
    pays: countryName(a.country ?? 'FR'),
  };
}

const names = new Intl.DisplayNames(['fr'], { type: 'region' });

function countryName(code: string): string {
  return (names.of(code.toUpperCase()) ?? code).normalize('NFD').replace(/\p{M}/gu, '').toUpperCase();
}
