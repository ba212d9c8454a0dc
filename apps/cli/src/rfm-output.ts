import type { RfmDryRunResult } from '../../projector/src/rfm/rfm-dry-run.js';

const HEADER = 'customer_id,external_id,customer_type,last_purchase_on,recency_days,frequency,monetary,recency_score,frequency_score,monetary_score,segment';

/**
 * A dry run as CSV: one row per customer scored (monetary in currency units), then the segment
 * counts as comment lines (`# b2c champions 158`), which CSV readers told to skip comments ignore.
 */
export function formatDryRun(result: RfmDryRunResult, minorDigits: number): string {
  const lines = [HEADER];
  for (const s of result.scores) {
    lines.push(
      [s.customerId, s.externalId ?? '', s.customerType, s.lastPurchaseOn, s.recencyDays, s.frequency, units(s.monetaryCents, minorDigits), s.recencyScore, s.frequencyScore, s.monetaryScore, s.segment]
        .map((v) => csvField(String(v)))
        .join(','),
    );
  }
  lines.push('# segment counts: customer_type segment customers');
  for (const c of result.segments) lines.push(`# ${c.customerType} ${c.segment} ${c.customers}`);
  return `${lines.join('\n')}\n`;
}

function units(minor: number, digits: number): string {
  if (digits === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const scale = 10 ** digits;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(digits, '0')}`;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
