import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChannelAdapter, LetterMessage, SendOutcome, WebhookVerdict } from '../channel-adapter.js';
import { priceOf, type ChannelPrices, type CostEstimate } from '../costs.js';
import { permanent } from '../send-failure.js';
import { estimatedLetterPages, renderLetterPdf, LetterLayoutError } from './letter-pdf.js';
import { checkPostalAddress, type PostalAddress } from './postal-address.js';
import { assemblePrintBatch, type PrintBatch, type PrintedLetter } from './print-batch.js';

export interface PrintBatchSettings {
  /** Where letters wait (`pending/`) and batches are written (`batch-<id>/`). */
  readonly dir: string;
  readonly prices: ChannelPrices;
}

/**
 * Letters printed by the shop or a local printer. Sending a letter prints it into `pending/`
 * (accepted: it will go into the next batch); `closeBatch` gathers everything pending into one
 * print batch. No network: what leaves is the batch folder, handed over by a person.
 */
export class PrintBatchAdapter implements ChannelAdapter<LetterMessage> {
  readonly provider = 'print-batch';
  readonly channels = ['postal'] as const;
  private readonly pending: string;

  constructor(private readonly settings: PrintBatchSettings) {
    this.pending = path.join(settings.dir, 'pending');
  }

  validateRecipient(to: PostalAddress) {
    return checkPostalAddress(to);
  }

  estimateCost(letter: LetterMessage, pages = estimatedLetterPages(letter.body)): CostEstimate {
    return priceOf(this.settings.prices, 'postal', 1, Math.max(0, pages - 1));
  }

  async send(letter: LetterMessage): Promise<SendOutcome> {
    const checked = checkPostalAddress(letter.to);
    if (!checked.ok) return permanent(this.provider, letter.messageId, checked.code, checked.reason, { invalidRecipient: true });
    let printed;
    try {
      printed = await renderLetterPdf({ ...letter, to: checked.recipient });
    } catch (error) {
      if (error instanceof LetterLayoutError) return permanent(this.provider, letter.messageId, 'letter-layout', error.message);
      throw error;
    }
    await mkdir(this.pending, { recursive: true });
    const entry: Omit<PrintedLetter, 'pdf'> = {
      messageId: letter.messageId,
      merchantId: letter.merchantId,
      campaignId: letter.campaignId,
      customerId: letter.customerId,
      address: checked.recipient,
      pages: printed.pages,
    };
    // The PDF first, its description last and by rename: a letter is pending once both are there.
    await writeFile(path.join(this.pending, `${letter.messageId}.pdf`), printed.pdf);
    const json = path.join(this.pending, `${letter.messageId}.json`);
    await writeFile(`${json}.tmp`, JSON.stringify(entry));
    await rename(`${json}.tmp`, json);
    const { cost, units } = this.estimateCost(letter, printed.pages);
    return { kind: 'accepted', messageId: letter.messageId, provider: this.provider, providerMessageId: `pending/${letter.messageId}`, channel: 'postal', units, cost };
  }

  async sendBatch(letters: readonly LetterMessage[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    for (const letter of letters) outcomes.push(await this.send(letter));
    return outcomes;
  }

  /**
   * Everything pending, as one batch. Letters already in an earlier batch (a crash after the batch
   * was written but before `pending/` was cleared) are dropped from `pending/`, never printed twice.
   * Null when nothing is pending.
   */
  async closeBatch(batchId: string): Promise<PrintBatch | null> {
    const batched = await this.alreadyBatched();
    const names = (await readdir(this.pending).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
    const letters: PrintedLetter[] = [];
    for (const name of names) {
      const messageId = name.slice(0, -'.json'.length);
      if (batched.has(messageId)) {
        await this.clear(messageId);
        continue;
      }
      const entry = JSON.parse(await readFile(path.join(this.pending, name), 'utf8')) as Omit<PrintedLetter, 'pdf'>;
      letters.push({ ...entry, pdf: await readFile(path.join(this.pending, `${messageId}.pdf`)) });
    }
    if (letters.length === 0) return null;
    const batch = await assemblePrintBatch(this.settings.dir, batchId, letters);
    for (const letter of letters) await this.clear(letter.messageId);
    return batch;
  }

  verifyWebhook(): WebhookVerdict {
    return { accepted: false, httpStatus: 400, reason: 'print batches receive no webhooks' };
  }

  private async alreadyBatched(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const name of await readdir(this.settings.dir).catch(() => [] as string[])) {
      if (!name.startsWith('batch-')) continue;
      for (const file of await readdir(path.join(this.settings.dir, name, 'letters')).catch(() => [] as string[])) {
        const match = /^\d{4,}_(.+)\.pdf$/.exec(file);
        if (match?.[1]) ids.add(match[1]);
      }
    }
    return ids;
  }

  private async clear(messageId: string): Promise<void> {
    await rm(path.join(this.pending, `${messageId}.json`), { force: true });
    await rm(path.join(this.pending, `${messageId}.pdf`), { force: true });
  }
}
