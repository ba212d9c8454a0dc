import { describe, expect, it } from '@jest/globals';
import { inflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import type { LetterMessage } from '../channel-adapter.js';
import { DL_WINDOW, LetterLayoutError, renderLetterPdf } from './letter-pdf.js';

const MM = 72 / 25.4;
const A4_HEIGHT_PT = 297 * MM;

/** Every piece of text drawn on the first page, where it is (mm from the top-left corner) and what it says. */
function textOnFirstPage(pdf: Uint8Array): { text: string; left: number; top: number }[] {
  const source = Buffer.from(pdf).toString('latin1');
  const drawn: { text: string; left: number; top: number }[] = [];
  for (const [, raw] of source.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(raw ?? '', 'latin1')).toString('latin1');
    } catch {
      continue;
    }
    for (const [, x, y, hex] of content.matchAll(/1 0 0 1 ([\d.]+) ([\d.]+) Tm\s*<([0-9A-F]*)> Tj/g)) {
      drawn.push({ text: Buffer.from(hex ?? '', 'hex').toString('latin1'), left: Number(x) / MM, top: (A4_HEIGHT_PT - Number(y)) / MM });
    }
    if (drawn.length > 0) break;
  }
  return drawn;
}

const letter: LetterMessage = {
  channel: 'postal',
  messageId: 'letter-1',
  merchantId: 'cave-demo',
  customerId: 'cust-1',
  campaignId: 'tasting-invitation',
  marketing: true,
  to: { name: 'Mme Élodie Martin', lines: ['Résidence Les Vignes', 'Bâtiment B', '3 place Bellecour', 'BP 42'], postcode: '69002', city: 'Lyon' },
  sender: { name: 'La Cave des Halles', lines: ['12 rue des Halles'], postcode: '69001', city: 'Lyon' },
  subject: 'Invitation',
  dateLine: 'Lyon, le 3 décembre 2026',
  body: "Bonjour,\n\nVous êtes invitée — « dégustation » à 12,50\u202F€.\n\n**L'abus d'alcool est dangereux pour la santé, à consommer avec modération.**",
};

describe('a letter PDF', () => {
  it('prints the recipient inside the DL envelope window, the sender at the top left', async () => {
    const { pdf, pages } = await renderLetterPdf(letter);
    expect(pages).toBe(1);
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(1);
    const drawn = textOnFirstPage(pdf);
    const recipient = ['Mme Élodie Martin', 'Résidence Les Vignes', 'Bâtiment B', '3 place Bellecour', 'BP 42', '69002 LYON'];
    const lines = recipient.map((text) => drawn.find((d) => d.text === text));
    for (const line of lines) {
      if (!line) throw new Error(`address line not drawn: ${JSON.stringify(drawn.map((d) => d.text))}`);
      expect(line.left).toBeCloseTo(DL_WINDOW.left, 5);
      // Baselines: the first below the window's top (room for capitals), the last above its bottom.
      expect(line.top).toBeGreaterThanOrEqual(DL_WINDOW.top + 3);
      expect(line.top).toBeLessThanOrEqual(DL_WINDOW.top + DL_WINDOW.height);
    }
    expect(lines.map((l) => l?.top)).toEqual([...lines.map((l) => l?.top)].sort((a, b) => (a ?? 0) - (b ?? 0)));
    const sender = drawn.find((d) => d.text === 'La Cave des Halles');
    expect(sender?.left).toBeCloseTo(20, 5);
    expect(sender?.top).toBeLessThan(DL_WINDOW.top);
    // The date and what follows start below the first fold (99 mm): nothing else shows in the window.
    const others = drawn.filter((d) => !recipient.includes(d.text) && d.top > DL_WINDOW.top - 5);
    for (const other of others) expect(other.top).toBeGreaterThan(99);
  });

  it('prints French typography, its thin spaces as no-break spaces', async () => {
    const drawn = textOnFirstPage((await renderLetterPdf(letter)).pdf);
    // In WinAnsi: the em dash is 0x97, the euro sign 0x80, the no-break space 0xA0.
    expect(drawn.map((d) => d.text)).toContain('Vous êtes invitée \u0097 « dégustation » à 12,50\u00A0\u0080.');
  });

  it('refuses a character the letter font cannot print, naming it', async () => {
    await expect(renderLetterPdf({ ...letter, body: 'Santé 🍷' })).rejects.toThrow(new LetterLayoutError('character U+1F377 cannot be printed with the letter font'));
  });
});
