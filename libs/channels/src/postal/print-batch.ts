import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { addressBlock, type PostalAddress } from './postal-address.js';

/** One printed letter waiting to go into a batch. */
export interface PrintedLetter {
  readonly messageId: string;
  readonly merchantId: string;
  readonly campaignId: string | null;
  readonly customerId: string;
  readonly address: PostalAddress;
  readonly pdf: Uint8Array;
  readonly pages: number;
}

export interface PrintBatch {
  readonly batchId: string;
  readonly dir: string;
  readonly mergedFile: string;
  readonly manifestFile: string;
  readonly letters: readonly { readonly seq: number; readonly messageId: string; readonly file: string; readonly postcode: string; readonly pages: number }[];
}

const MANIFEST_COLUMNS = [
  'seq', 'letter_id', 'merchant_id', 'campaign_id', 'customer_ref',
  'addr_line_1', 'addr_line_2', 'addr_line_3', 'addr_line_4', 'addr_line_5', 'addr_line_6', 'addr_line_7',
  'country', 'postcode', 'pages', 'sheets', 'pdf_file', 'pdf_sha256',
];

/**
 * What a print shop gets, in `<root>/batch-<batchId>/`: `letters/NNNN_<letter>.pdf` (one file a
 * letter, A4, address in the DL window), `merged.pdf` (all of them in manifest order, what most
 * shops print from), `manifest.csv` (UTF-8 with BOM and ";" for French spreadsheets; one row a
 * letter, sorted by country then postcode, which is also what presorted postage rates ask for) and
 * `checksums.sha256`. Written in a temporary folder renamed at the end: a batch folder is complete
 * or absent, and an existing one is never overwritten.
 */
export async function assemblePrintBatch(root: string, batchId: string, letters: readonly PrintedLetter[]): Promise<PrintBatch> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,80}$/.test(batchId)) throw new Error(`batch id "${batchId}" is not usable as a folder name`);
  const dir = path.join(root, `batch-${batchId}`);
  if (await exists(dir)) throw new Error(`print batch ${batchId} already exists in ${root}`);
  const work = path.join(root, `.batch-${batchId}.tmp`);
  await rm(work, { recursive: true, force: true });
  await mkdir(path.join(work, 'letters'), { recursive: true });

  const ordered = [...letters].sort(
    (a, b) => country(a).localeCompare(country(b)) || a.address.postcode.localeCompare(b.address.postcode) || a.messageId.localeCompare(b.messageId),
  );
  const merged = await PDFDocument.create();
  merged.setTitle(`Print batch ${batchId}`);
  merged.setCreator('Relance');
  const rows: string[][] = [];
  const checksums: string[] = [];
  const entries: PrintBatch['letters'][number][] = [];
  for (const [index, letter] of ordered.entries()) {
    const seq = index + 1;
    const file = `letters/${String(seq).padStart(4, '0')}_${letter.messageId}.pdf`;
    await writeFile(path.join(work, file), letter.pdf);
    const source = await PDFDocument.load(letter.pdf);
    for (const page of await merged.copyPages(source, source.getPageIndices())) merged.addPage(page);
    const sha = sha256(letter.pdf);
    const block = addressBlock(letter.address);
    rows.push([
      String(seq), letter.messageId, letter.merchantId, letter.campaignId ?? '', letter.customerId,
      ...Array.from({ length: 7 }, (_, i) => block[i] ?? ''),
      country(letter), letter.address.postcode, String(letter.pages), String(letter.pages), file, sha,
    ]);
    checksums.push(`${sha}  ${file}`);
    entries.push({ seq, messageId: letter.messageId, file, postcode: letter.address.postcode, pages: letter.pages });
  }
  const mergedBytes = await merged.save();
  await writeFile(path.join(work, 'merged.pdf'), mergedBytes);
  checksums.push(`${sha256(mergedBytes)}  merged.pdf`);
  const manifest = `\uFEFF${[MANIFEST_COLUMNS, ...rows].map((row) => row.map(csvField).join(';')).join('\r\n')}\r\n`;
  await writeFile(path.join(work, 'manifest.csv'), manifest, 'utf8');
  await writeFile(path.join(work, 'checksums.sha256'), `${checksums.join('\n')}\n`, 'utf8');
  await rename(work, dir);
  return { batchId, dir, mergedFile: path.join(dir, 'merged.pdf'), manifestFile: path.join(dir, 'manifest.csv'), letters: entries };
}

function country(letter: PrintedLetter): string {
  return (letter.address.country ?? 'FR').toUpperCase();
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Quoted when needed; a leading = + @ is defused so that a spreadsheet never runs an address as a formula. */
function csvField(value: string): string {
  const safe = /^[=+@\t]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
