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

  /** Everything pending, as one batch (see closePrintBatch). */
  closeBatch(batchId: string): Promise<PrintBatch | null> {
    return closePrintBatch(this.settings.dir, batchId);
  }

  verifyWebhook(): WebhookVerdict {
    return { accepted: false, httpStatus: 400, reason: 'print batches receive no webhooks' };
  }
}

/**
 * Everything pending in `dir`, as one print batch: what `relance deliveries print-batch` runs while
 * the engine keeps printing letters into `pending/` (a letter is pending once its description is
 * renamed in, after its PDF). Letters already in an earlier batch (a crash after the batch was written
 * but before `pending/` was cleared) are dropped from `pending/`, never printed twice. Null when
 * nothing is pending.
 */
export async function closePrintBatch(dir: string, batchId: string): Promise<PrintBatch | null> {
  const pending = path.join(dir, 'pending');
  const batched = await alreadyBatched(dir);
  const names = (await readdir(pending).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
  const letters: PrintedLetter[] = [];
  for (const name of names) {
    const messageId = name.slice(0, -'.json'.length);
    if (batched.has(messageId)) {
      await clear(pending, messageId);
      continue;
    }
    const entry = JSON.parse(await readFile(path.join(pending, name), 'utf8')) as Omit<PrintedLetter, 'pdf'>;
    letters.push({ ...entry, pdf: await readFile(path.join(pending, `${messageId}.pdf`)) });
  }
  if (letters.length === 0) return null;
  const batch = await assemblePrintBatch(dir, batchId, letters);
  for (const letter of letters) await clear(pending, letter.messageId);
  return batch;
}

async function alreadyBatched(dir: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith('batch-')) continue;
    for (const file of await readdir(path.join(dir, name, 'letters')).catch(() => [] as string[])) {
      const match = /^\d{4,}_(.+)\.pdf$/.exec(file);
      if (match?.[1]) ids.add(match[1]);
    }
  }
  return ids;
}

async function clear(pending: string, messageId: string): Promise<void> {
  await rm(path.join(pending, `${messageId}.json`), { force: true });
  await rm(path.join(pending, `${messageId}.pdf`), { force: true });
}
