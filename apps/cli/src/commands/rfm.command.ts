import { parseArgs } from 'node:util';
import { cliConfig } from '../cli-config.js';
import { UsageError, type Command } from '../command.js';

const USAGE = `relance rfm --merchant M [--as-of YYYY-MM-DD: the day scored, today by default; for an imported history give its last day] [--window 12|all] [--monetary-step 1] [--customer-types separately|together] [--dry-run]
  --window            months of purchases up to --as-of that frequency and monetary count (default 12), or "all" for the whole history
  --monetary-step     the unit of the monetary measure, in the merchant's currency (e.g. 1 for whole euros): a value scores
                      above a quintile breakpoint q when it is at least q + this step (default: one cent, the smallest unit)
  --customer-types    score B2C and B2B customers each against their own kind (default, or merchant.yaml rfm.customerTypes) or together
  --dry-run           print every customer's scores (CSV) and the segment counts; write nothing (no score, no run, no event)
  Recency counts days up to --as-of (in the merchant's time zone); a customer whose last purchase predates the window
  scores recency 1 (never "new").`;

export const rfmCommand: Command = {
  name: 'rfm',
  summary: "score a merchant's customers (RFM) as of a date and append their changes of segment, or print them (--dry-run)",
  usage: USAGE,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          merchant: { type: 'string' },
          'as-of': { type: 'string' },
          window: { type: 'string' },
          'window-months': { type: 'string' },
          'monetary-step': { type: 'string' },
          'customer-types': { type: 'string' },
          'dry-run': { type: 'boolean' },
        },
        strict: true,
      }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { MerchantId, LocalDate, localDateOf } = await import('@relance/domain');
    if (!values.merchant || !MerchantId.safeParse(values.merchant).success) throw new UsageError('--merchant must be a merchant id');
    if (values['as-of'] !== undefined && !LocalDate.safeParse(values['as-of']).success) throw new UsageError('--as-of must be a date (YYYY-MM-DD)');
    const windowMonths = parseWindow(values.window ?? values['window-months'] ?? '12');
    const customerTypes = values['customer-types'];
    if (customerTypes !== undefined && customerTypes !== 'separately' && customerTypes !== 'together') {
      throw new UsageError('--customer-types must be "separately" or "together"');
    }

    const { projectorToolkit } = await import('../../../projector/src/projector-toolkit.js');
    const { DEFAULT_STEPS } = await import('../../../projector/src/rfm/rfm.sql.js');
    const { DEFAULT_TIME_ZONE } = await import('../../../projector/src/runner/projection-context.js');
    const kit = await projectorToolkit(await cliConfig(['piiMasterKey']), 'rfm');
    try {
      const merchantId = values.merchant;
      const merchant = kit.merchants.get(merchantId);
      if (!merchant) {
        console.error(`Merchant "${merchantId}" is not configured in the config folder's merchants/`);
        return 1;
      }
      const minorDigits = minorUnitDigits(merchant.currency);
      const monetaryCents = values['monetary-step'] === undefined ? DEFAULT_STEPS.monetaryCents : parseStep(values['monetary-step'], minorDigits, merchant.currency);
      const now = kit.clock.now();
      const asOf = values['as-of'] ?? localDateOf(now.toISOString(), merchant.timeZone ?? DEFAULT_TIME_ZONE);
      const params = {
        merchantId,
        asOf,
        windowMonths,
        steps: { ...DEFAULT_STEPS, monetaryCents },
        customerTypes: customerTypes ?? merchant.rfm.customerTypes,
      };

      if (values['dry-run']) {
        const { rfmDryRun } = await import('../../../projector/src/rfm/rfm-dry-run.js');
        const { formatDryRun } = await import('../rfm-output.js');
        const result = await rfmDryRun(kit.pool, params);
        process.stdout.write(formatDryRun(result, minorDigits));
        console.error(
          `Dry run as of ${asOf}, ${windowMonths === null ? 'whole history' : `${windowMonths}-month window`}, customer types ${params.customerTypes}: ` +
            `${result.scores.length} customers scored; nothing was written.`,
        );
        return 0;
      }
      const { RfmRun } = await import('../../../projector/src/rfm/rfm-run.js');
      const reports = await new RfmRun(kit.pool, kit.store, kit.clock).run({ ...params, currency: merchant.currency }, `manual-${asOf}-${now.getTime()}`);
      for (const r of reports ?? []) {
        console.log(`${r.resumed ? 'Finished publishing' : 'Ran'} ${r.runId}: ${r.scored} customers scored, ${r.changes} changes of segment appended to segments-${merchantId}`);
      }
      return 0;
    } finally {
      await kit.close();
    }
  },
};

function parseWindow(value: string): number | null {
  if (value === 'all') return null;
  const months = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(months) || months <= 0 || months > 1200) throw new UsageError('--window must be a number of months (1 to 1200) or "all"');
  return months;
}

/** "1" → 100 for EUR: a step in currency units, with at most the currency's decimals, into minor units. */
function parseStep(value: string, minorDigits: number, currency: string): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match || (match[2]?.length ?? 0) > minorDigits) {
    throw new UsageError(`--monetary-step must be an amount in ${currency} with at most ${minorDigits} decimals (e.g. 1)`);
  }
  const minor = Number(match[1]) * 10 ** minorDigits + Number((match[2] ?? '').padEnd(minorDigits, '0') || '0');
  if (minor <= 0) throw new UsageError('--monetary-step must be greater than 0');
  return minor;
}

/** The decimals of a currency's minor unit (EUR 2, JPY 0, KWD 3), as ISO 4217 defines them. */
function minorUnitDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}
