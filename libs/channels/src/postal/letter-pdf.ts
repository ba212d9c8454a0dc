import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { LetterMessage } from '../channel-adapter.js';
import { addressBlock } from './postal-address.js';

/**
 * Page geometry, in millimetres from the top-left corner of the A4 sheet (210 × 297 mm).
 *
 * The letter goes folded in three (top panel 99 mm) into a DL window envelope, 220 × 110 mm, whose
 * window is 100 × 45 mm, 20 mm from the envelope's right edge and 15 mm from its bottom edge (the
 * usual French "DL fenêtre 45 × 100 à droite"). On the sheet, that window covers x 95–195 mm and
 * y 45–90 mm; the sheet can move about 5 mm each way inside the envelope, so the address block is
 * kept to x 100–190 mm, y 50–85 mm: always visible, whatever the play.
 */
export const DL_WINDOW = { left: 100, top: 50, width: 90, height: 35 } as const;
const A4 = { width: 210, height: 297 } as const;
const MARGIN = 20;
const FOLDS = [99, 198] as const;
const MM = 72 / 25.4;

export class LetterLayoutError extends Error {
  override readonly name = 'LetterLayoutError';
}

export interface LetterPdf {
  readonly pdf: Uint8Array;
  readonly pages: number;
}

/** One letter as an A4 PDF: sender at the top left, recipient in the window, then date, subject and body. */
export async function renderLetterPdf(letter: LetterMessage): Promise<LetterPdf> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Letter ${letter.messageId}`);
  doc.setCreator('Relance');
  doc.setProducer('Relance');
  const fonts = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) };
  const writer = new PageWriter(doc);

  const sender = addressBlock(letter.sender);
  writer.lines(sender.slice(0, 1), MARGIN, 15, fonts.bold, 10);
  writer.lines(sender.slice(1), MARGIN, 15 + 4.5, fonts.regular, 9);

  const recipient = addressBlock(letter.to);
  const leading = 4.5;
  if (recipient.length * leading > DL_WINDOW.height) throw new LetterLayoutError(`${recipient.length} address lines do not fit the envelope window`);
  if (recipient.some((line) => fonts.regular.widthOfTextAtSize(printable(line), 10) > DL_WINDOW.width * MM)) {
    throw new LetterLayoutError('an address line is wider than the envelope window');
  }
  writer.lines(recipient, DL_WINDOW.left, DL_WINDOW.top + 3.5, fonts.regular, 10, leading);

  writer.lines([letter.dateLine], DL_WINDOW.left, 103, fonts.regular, 10);
  writer.y = 115;
  if (letter.subject) writer.paragraph(`Objet : ${letter.subject}`, fonts.bold);
  for (const paragraph of letter.body.split(/\n\s*\n/)) {
    const text = paragraph.replace(/\s*\n\s*/g, ' ').trim();
    if (text === '') continue;
    const bold = /^\*\*.*\*\*$/s.test(text);
    writer.paragraph(bold ? text.slice(2, -2).trim() : text, bold ? fonts.bold : fonts.regular);
  }
  return { pdf: await doc.save(), pages: doc.getPageCount() };
}

class PageWriter {
  private page: PDFPage;
  /** Next baseline, in mm from the top of the current page. */
  y = MARGIN;

  constructor(private readonly doc: PDFDocument) {
    this.page = this.newPage();
  }

  lines(lines: readonly string[], left: number, top: number, font: PDFFont, size: number, leading = size * 0.45): void {
    lines.forEach((line, i) => this.draw(printable(line), left, top + i * leading, font, size));
  }

  paragraph(text: string, font: PDFFont, size = 11): void {
    const leading = size * 0.5;
    const width = (A4.width - 2 * MARGIN) * MM;
    for (const line of wrap(printable(text), font, size, width)) {
      if (this.y + leading > A4.height - MARGIN) {
        this.page = this.newPage();
        this.y = MARGIN;
      }
      this.y += leading;
      this.draw(line, MARGIN, this.y, font, size);
    }
    this.y += leading * 0.8;
  }

  private draw(text: string, left: number, top: number, font: PDFFont, size: number): void {
    this.page.drawText(text, { x: left * MM, y: (A4.height - top) * MM, size, font, color: rgb(0, 0, 0) });
  }

  private newPage(): PDFPage {
    const page = this.doc.addPage([A4.width * MM, A4.height * MM]);
    // Fold marks in the left margin, where the folding machine or a person folds in three.
    for (const fold of FOLDS) {
      page.drawLine({ start: { x: 4 * MM, y: (A4.height - fold) * MM }, end: { x: 8 * MM, y: (A4.height - fold) * MM }, thickness: 0.3 });
    }
    return page;
  }
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/ +/)) {
    const candidate = current === '' ? word : `${current} ${word}`;
    if (current !== '' && font.widthOfTextAtSize(candidate, size) > width) {
      lines.push(current);
      current = word;
    } else {
      current = candidate;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

/**
 * Pages a body will take, before printing it (cost estimates): about 2,500 characters fit under the
 * address on the first page, about 4,500 on each following one.
 */
export function estimatedLetterPages(body: string): number {
  const length = body.length;
  return length <= 2_500 ? 1 : 1 + Math.ceil((length - 2_500) / 4_500);
}

/** The standard PDF fonts speak WinAnsi: French typography fits, once its thin spaces become no-break spaces. */
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

export function printable(text: string): string {
  const mapped = text.replace(/[\u202F\u2009\u2007]/g, '\u00A0');
  for (const char of mapped) {
    const code = char.codePointAt(0) ?? 0;
    const ok = (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(char);
    if (!ok) {
      throw new LetterLayoutError(`character U+${code.toString(16).toUpperCase().padStart(4, '0')} cannot be printed with the letter font`);
    }
  }
  return mapped;
}
