import { parseArgs } from 'node:util';
import { cliConfig } from '../cli-config.js';
import { UsageError, type Command } from '../command.js';

const USAGE = `relance import customers|purchases <file.csv> --merchant M [--rejects <file>] [--delimiter ";"] [--concurrency 32]
    purchases: [--lines strict|skip-invalid] [--decimal comma|point]   customers: [--first-purchases <tickets.csv>]
  Columns (headers in English or French, any order; ";" or "," detected): docs/import.md lists them.
  Negative quantities are returns, recorded as refunds of the purchases they take back.
  --lines: a line that cannot be read rejects its ticket (strict, the default) or is skipped and noted.
  --decimal: the file's decimal separator; by default the first amount that shows it sets it for the file.
  --first-purchases: date each customer's enrolment by its first purchase in that tickets file
    (an enrolled_at column, when the file has one, comes first).
  Exit code 0 when every row was imported or skipped, 4 when some were rejected.`;

export const importCommand: Command = {
  name: 'import',
  summary: 'import customers or purchases from a POS CSV export (idempotent, rejects written to a file)',
  usage: USAGE,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        options: {
          merchant: { type: 'string' },
          rejects: { type: 'string' },
          delimiter: { type: 'string' },
          concurrency: { type: 'string' },
          lines: { type: 'string' },
          decimal: { type: 'string' },
          'first-purchases': { type: 'string' },
        },
        strict: true,
        allowPositionals: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const [kind, file, ...extra] = parsed.positionals;
    const { merchant, rejects, delimiter, concurrency, lines, decimal } = parsed.values;
    const firstPurchases = parsed.values['first-purchases'];
    if (kind !== 'customers' && kind !== 'purchases') throw new UsageError(`Import what? "customers" or "purchases" (got "${kind ?? ''}")`);
    if (!file || extra.length > 0) throw new UsageError('Give exactly one CSV file');
    if (!merchant) throw new UsageError('--merchant is required');
    if (delimiter !== undefined && ![';', ',', '\t', 'tab'].includes(delimiter)) throw new UsageError('--delimiter must be ";", "," or tab');
    if (lines !== undefined && lines !== 'strict' && lines !== 'skip-invalid') throw new UsageError('--lines must be "strict" or "skip-invalid"');
    const separators: Record<string, ',' | '.'> = { comma: ',', ',': ',', point: '.', '.': '.' };
    if (decimal !== undefined && !separators[decimal]) throw new UsageError('--decimal must be "comma" or "point"');
    if (kind === 'customers' && (lines !== undefined || decimal !== undefined)) throw new UsageError('--lines and --decimal are for purchases');
    if (kind === 'purchases' && firstPurchases !== undefined) throw new UsageError('--first-purchases is for customers');
    const lanes = concurrency === undefined ? 32 : Number(concurrency);
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > 64) throw new UsageError('--concurrency must be between 1 and 64');
    const { existsSync } = await import('node:fs');
    for (const f of [file, ...(firstPurchases ? [firstPurchases] : [])]) {
      if (!existsSync(f)) {
        console.error(`${f}: no such file`);
        return 1;
      }
    }

    const { NestFactory } = await import('@nestjs/core');
    const { MERCHANTS } = await import('@relance/platform');
    const { ImportModule } = await import('../../../engine/src/import/import.module.js');
    const { CsvImport } = await import('../../../engine/src/import/csv-import.js');
    const { RowProblem } = await import('../../../engine/src/import/csv-values.js');
    const config = await cliConfig(['piiMasterKey']);
    const app = await NestFactory.createApplicationContext(ImportModule.forRoot(config), { logger: ['error', 'warn'] });
    try {
      if (!app.get<{ get(id: string): unknown }>(MERCHANTS).get(merchant)) {
        console.error(`Merchant "${merchant}" is not configured in ${config.configDir}/merchants/`);
        return 1;
      }
      const service = app.get(CsvImport);
      const options = {
        merchantId: merchant,
        ...(rejects ? { rejectsFile: rejects } : {}),
        ...(delimiter ? { delimiter: delimiter === 'tab' ? '\t' : delimiter } : {}),
        concurrency: lanes,
        ...(lines ? { lines: lines as 'strict' | 'skip-invalid' } : {}),
        ...(decimal ? { decimal: separators[decimal]! } : {}),
        ...(firstPurchases ? { firstPurchasesFrom: firstPurchases } : {}),
      };
      const summary = kind === 'customers' ? await service.customers(file, options) : await service.purchases(file, options);
      console.log(`${file}: read ${summary.read}, imported ${summary.imported}, skipped ${summary.skipped} (already recorded), rejected ${summary.rejected}`);
      if (kind === 'purchases') {
        console.log(`Recorded ${summary.purchases} purchases and ${summary.refunds} refunds; lines skipped ${summary.linesSkipped}, amounts rounded ${summary.rounded}; amounts: ${summary.amounts}`);
      }
      if (kind === 'customers' && !firstPurchases) console.log('Enrolment dates: the enrolled_at column when there is one, else now (--first-purchases <tickets.csv> dates them by their first purchase)');
      if (summary.rejectsFile) console.log(`Rejected rows, skipped lines and rounded amounts, with their line and reason: ${summary.rejectsFile}`);
      return summary.rejected > 0 ? 4 : 0;
    } catch (error) {
      if (error instanceof RowProblem) {
        console.error(error.message);
        return 1;
      }
      throw error;
    } finally {
      await app.close();
    }
  },
};
