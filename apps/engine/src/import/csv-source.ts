import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parse } from 'csv-parse';

export interface CsvRow {
  /** 1-based line of the file where the row starts (the header is line 1). */
  readonly line: number;
  readonly values: Readonly<Record<string, string>>;
}

export interface CsvSource {
  readonly columns: readonly string[];
  readonly delimiter: string;
  readonly size: number;
  rows(): AsyncIterable<CsvRow>;
  /** Bytes read so far, for a progress bar. */
  bytesRead(): number;
}

/** `Email `, `E-mail`, `email` → `email`; `Prix unitaire` → `prix_unitaire`. */
export function normaliseHeader(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * A CSV file read as a stream (any size, constant memory), with the delimiter of its header line
 * (`;` as French POS exports write them, or `,`) unless one is given, a UTF-8 BOM skipped, and each
 * row's line number kept for error messages.
 */
export async function openCsv(file: string, options: { delimiter?: string; encoding?: BufferEncoding } = {}): Promise<CsvSource> {
  const size = (await stat(file)).size;
  const handle = await open(file, 'r');
  const head = Buffer.alloc(Math.min(size, 64 * 1024));
  await handle.read(head, 0, head.length, 0);
  await handle.close();
  const firstLine = head.toString(options.encoding ?? 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  const delimiter = options.delimiter ?? (count(firstLine, ';') >= count(firstLine, ',') && count(firstLine, ';') > 0 ? ';' : count(firstLine, '\t') > count(firstLine, ',') ? '\t' : ',');
  const columns = splitHeader(firstLine, delimiter).map(normaliseHeader);
  let read = 0;
  return {
    columns,
    delimiter,
    size,
    bytesRead: () => read,
    async *rows() {
      const input = createReadStream(file, options.encoding && options.encoding !== 'utf8' ? { encoding: options.encoding } : {});
      input.on('data', (chunk: Buffer | string) => {
        read += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      });
      const parser = input.pipe(
        parse({ delimiter, bom: true, columns: (header: string[]) => header.map(normaliseHeader), skip_empty_lines: true, trim: true, info: true, relax_quotes: true }),
      );
      try {
        for await (const record of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
          yield { line: record.info.lines, values: record.record };
        }
      } finally {
        // A reader that stops early (a scan that found what it looked for) closes the file.
        input.destroy();
      }
    },
  };
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function splitHeader(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((h) => h.replace(/^"|"$/g, ''));
}
