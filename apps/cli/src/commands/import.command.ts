import { parseArgs } from 'node:util';
import { cliConfig } from '../cli-config.js';
import { UsageError, type Command } from '../command.js';

const USAGE = `relance import customers|purchases <file.csv> --merchant M [--rejects <file>] [--delimiter ";"] [--concurrency 8]
  Columns (headers in English or French, any order; ";" or "," detected; decimal commas accepted):
  docs/import.md lists them. Exit code 0 when every row was imported or skipped, 4 when some were rejected.`;

export const importCommand: Command = {
  name: 'import',
  summary: 'import customers or purchases from a POS CSV export (idempotent, rejects written to a file)',
  usage: USAGE,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        options: { merchant: { type: 'string' }, rejects: { type: 'string' }, delimiter: { type: 'string' }, concurrency: { type: 'string' } },
        strict: true,
        allowPositionals: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const [kind, file, ...extra] = parsed.positionals;
    const { merchant, rejects, delimiter, concurrency } = parsed.values;
    if (kind !== 'customers' && kind !== 'purchases') throw new UsageError(`Import what? "customers" or "purchases" (got "${kind ?? ''}")`);
    if (!file || extra.length > 0) throw new UsageError('Give exactly one CSV file');
    if (!merchant) throw new UsageError('--merchant is required');
    if (delimiter !== undefined && ![';', ',', '\t', 'tab'].includes(delimiter)) throw new UsageError('--delimiter must be ";", "," or tab');
    const lanes = concurrency === undefined ? 8 : Number(concurrency);
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > 64) throw new UsageError('--concurrency must be between 1 and 64');
    const { existsSync } = await import('node:fs');
    if (!existsSync(file)) {
      console.error(`${file}: no such file`);
      return 1;
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
      };
      const summary = kind === 'customers' ? await service.customers(file, options) : await service.purchases(file, options);
      console.log(`${file}: read ${summary.read}, imported ${summary.imported}, skipped ${summary.skipped} (already recorded), rejected ${summary.rejected}`);
      if (summary.rejectsFile) console.log(`Rejected rows, with their line and reason: ${summary.rejectsFile}`);
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
