import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import type { LetterMessage } from '../channel-adapter.js';
import { defaultPrices } from '../costs.js';
import { addressBlock, checkPostalAddress, MAX_LINE_LENGTH, type PostalAddress } from './postal-address.js';
import { PrintBatchAdapter } from './print-batch.adapter.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'relance-print-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SHOP: PostalAddress = { name: 'La Cave des Halles', lines: ['12 rue des Halles'], postcode: '69001', city: 'Lyon' };
const POSTCODES = ['75015', '13012', '69001', '06000', '33000', '69004', '59800'];

function letter(n: number, overrides: Partial<LetterMessage> = {}): LetterMessage {
  return {
    channel: 'postal',
    messageId: `letter-${n}`,
    merchantId: 'cave-demo',
    customerId: `cust-${n}`,
    campaignId: 'reactivation',
    marketing: true,
    to: { name: `M. Client Numéro ${n}`, lines: [`${n} avenue Jean Jaurès`], postcode: POSTCODES[n % POSTCODES.length] ?? '69001', city: 'Villeurbanne' },
    sender: SHOP,
    subject: 'Un bon de 5,00 € à votre nom',
    dateLine: 'Lyon, le 3 décembre 2026',
    body: ['Bonjour Client,', `Paragraphe ${n}. `.repeat(n === 3 ? 400 : 20), "**L'abus d'alcool est dangereux pour la santé, à consommer avec modération.**"].join('\n\n'),
    ...overrides,
  };
}

/** The manifest as a print shop's spreadsheet reads it: UTF-8 with BOM, ";" separated, a header row. */
function readManifest(text: string): Record<string, string>[] {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const [header, ...rows] = text.slice(1).trimEnd().split('\r\n').map((line) => line.split(';'));
  return rows.map((row) => Object.fromEntries((header ?? []).map((column, i) => [column, row[i] ?? ''])));
}

describe('a print batch', () => {
  it('holds one PDF per letter, a merged PDF of all their pages, and a manifest sorted by postcode with address lines of at most 38 characters', async () => {
    const adapter = new PrintBatchAdapter({ dir, prices: defaultPrices('EUR') });
    const outcomes = await adapter.sendBatch(Array.from({ length: 7 }, (_, n) => letter(n)));
    expect(outcomes.every((o) => o.kind === 'accepted')).toBe(true);
    const batch = await adapter.closeBatch('2026-12-03-a');
    if (!batch) throw new Error('no batch');

    const rows = readManifest(await readFile(batch.manifestFile, 'utf8'));
    expect(rows.map((r) => r.postcode)).toEqual([...POSTCODES].sort());
    expect(rows.map((r) => r.seq)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    for (const row of rows) {
      const lines = ['addr_line_1', 'addr_line_2', 'addr_line_3', 'addr_line_4', 'addr_line_5', 'addr_line_6', 'addr_line_7'].map((c) => row[c] ?? '').filter((l) => l !== '');
      expect(lines.length).toBeGreaterThanOrEqual(3);
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(MAX_LINE_LENGTH);
      expect(lines[lines.length - 1]).toBe(`${row.postcode} VILLEURBANNE`);
    }

    const files = (await readdir(path.join(batch.dir, 'letters'))).sort();
    expect(files).toEqual(rows.map((r) => r.pdf_file?.replace('letters/', '')));
    let pages = 0;
    for (const row of rows) {
      const bytes = await readFile(path.join(batch.dir, row.pdf_file ?? ''));
      const pdf = await PDFDocument.load(bytes);
      expect(pdf.getPageCount()).toBe(Number(row.pages));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(row.pdf_sha256);
      pages += pdf.getPageCount();
    }
    // The long letter (n = 3) runs over two pages.
    expect(rows.find((r) => r.letter_id === 'letter-3')?.pages).toBe('2');
    const merged = await PDFDocument.load(await readFile(batch.mergedFile));
    expect(merged.getPageCount()).toBe(pages);
    expect(pages).toBe(8);
    expect(await readdir(path.join(dir, 'pending'))).toEqual([]);
  });

  it('refuses a letter whose address does not fit, saying which line and why, and never prints it', async () => {
    const adapter = new PrintBatchAdapter({ dir, prices: defaultPrices('EUR') });
    const tooLong = letter(1, { to: { name: 'Mme Marie-Christine de La Tour du Pin-Chambly', lines: ['1 rue X'], postcode: '69001', city: 'Lyon' } });
    const noPostcode = letter(2, { to: { name: 'M. A', lines: ['1 rue X'], postcode: '6900', city: 'Lyon' } });
    const outcomes = await adapter.sendBatch([tooLong, noPostcode, letter(3)]);
    expect(outcomes[0]).toMatchObject({ kind: 'permanent', code: 'address-line-too-long', reason: 'line 1 (the name) has 45 characters: at most 38', invalidRecipient: true });
    expect(outcomes[1]).toMatchObject({ kind: 'permanent', code: 'address-postcode' });
    expect(outcomes[2]).toMatchObject({ kind: 'accepted' });
    const batch = await adapter.closeBatch('b1');
    expect(batch?.letters.map((l) => l.messageId)).toEqual(['letter-3']);
  });

  it('never prints a letter twice: one already in a batch when pending was not cleared is dropped from pending', async () => {
    const adapter = new PrintBatchAdapter({ dir, prices: defaultPrices('EUR') });
    await adapter.send(letter(1));
    await adapter.send(letter(2));
    const first = await adapter.closeBatch('first');
    expect(first?.letters).toHaveLength(2);
    // As after a crash between writing the batch and clearing pending/: the same letter is pending again.
    await adapter.send(letter(1));
    await adapter.send(letter(4));
    const second = await adapter.closeBatch('second');
    expect(second?.letters.map((l) => l.messageId)).toEqual(['letter-4']);
    expect(await adapter.closeBatch('third')).toBeNull();
    await expect(adapter.closeBatch('first')).resolves.toBeNull();
  });

  it('costs a letter and its extra sheets', async () => {
    const adapter = new PrintBatchAdapter({ dir, prices: defaultPrices('EUR') });
    expect(await adapter.send(letter(1))).toMatchObject({ kind: 'accepted', units: 1, cost: { amountMinor: 220, currency: 'EUR' } });
    expect(await adapter.send(letter(3))).toMatchObject({ kind: 'accepted', units: 2, cost: { amountMinor: 235, currency: 'EUR' } });
  });
});

describe('a French postal address', () => {
  it('is laid out name first, postcode and city last in capitals without accents, and the country abroad', () => {
    expect(addressBlock({ name: 'Mme Élodie Martin', lines: ['Bâtiment B', '3 place Bellecour'], postcode: '69002', city: 'Lyon 2e' })).toEqual([
      'Mme Élodie Martin',
      'Bâtiment B',
      '3 place Bellecour',
      '69002 LYON 2E',
    ]);
    expect(addressBlock({ name: 'Frau Weiß', lines: ['Hauptstraße 5'], postcode: '10115', city: 'Berlin', country: 'DE' })).toEqual(['Frau Weiß', 'Hauptstraße 5', '10115 BERLIN', 'ALLEMAGNE']);
  });

  it('has at most 4 lines between the name and the postcode, and a known country', () => {
    expect(checkPostalAddress({ name: 'A', lines: ['1', '2', '3', '4', '5'], postcode: '69001', city: 'Lyon' })).toMatchObject({ ok: false, code: 'address-too-many-lines' });
    expect(checkPostalAddress({ name: 'A', lines: ['1 rue X'], postcode: '69001', city: 'Lyon', country: 'ZZ' })).toMatchObject({ ok: false, code: 'address-country' });
    expect(checkPostalAddress({ name: 'A', lines: [' 1 rue X ', ''], postcode: ' 69001', city: 'Lyon' })).toEqual({
      ok: true,
      recipient: { name: 'A', lines: ['1 rue X'], postcode: '69001', city: 'Lyon', country: 'FR' },
    });
  });
});
