import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.js';

export const rfmCommand: Command = {
  name: 'rfm',
  summary: "score a merchant's customers (RFM) now and append their changes of segment",
  usage: `relance rfm --merchant <merchantId> [--as-of YYYY-MM-DD: the day scored, today by default; for an imported history give its last day] [--window-months 12]
  Recency counts days up to --as-of; frequency and monetary count the purchases of the window before it.
  A customer whose last purchase predates the window scores recency 1 (never "new").`,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: { merchant: { type: 'string' }, 'as-of': { type: 'string' }, 'window-months': { type: 'string' } },
        strict: true,
      }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { MerchantId, LocalDate, localDateOf } = await import('@relance/domain');
    if (!values.merchant || !MerchantId.safeParse(values.merchant).success) throw new UsageError('--merchant must be a merchant id');
    if (values['as-of'] !== undefined && !LocalDate.safeParse(values['as-of']).success) throw new UsageError('--as-of must be a date (YYYY-MM-DD)');
    const windowMonths = Number(values['window-months'] ?? '12');
    if (!Number.isInteger(windowMonths) || windowMonths <= 0) throw new UsageError('--window-months must be a positive integer');

    const { loadConfig } = await import('@relance/platform');
    const { projectorToolkit } = await import('../../../projector/src/projector-toolkit.js');
    const { RfmRun } = await import('../../../projector/src/rfm/rfm-run.js');
    const { DEFAULT_STEPS } = await import('../../../projector/src/rfm/rfm.sql.js');
    const { DEFAULT_TIME_ZONE } = await import('../../../projector/src/runner/projection-context.js');
    const kit = await projectorToolkit(loadConfig(process.env, ['piiMasterKey']), 'rfm');
    try {
      const merchantId = values.merchant;
      const now = kit.clock.now();
      const asOf = values['as-of'] ?? localDateOf(now.toISOString(), kit.timeZones(merchantId) ?? DEFAULT_TIME_ZONE);
      const reports = await new RfmRun(kit.pool, kit.store, kit.clock).run(
        { merchantId, asOf, windowMonths, steps: DEFAULT_STEPS },
        `manual-${asOf}-${now.getTime()}`,
      );
      for (const r of reports ?? []) {
        console.log(`${r.resumed ? 'Finished publishing' : 'Ran'} ${r.runId}: ${r.scored} customers scored, ${r.changes} changes of segment appended to segments-${merchantId}`);
      }
      return 0;
    } finally {
      await kit.close();
    }
  },
};
