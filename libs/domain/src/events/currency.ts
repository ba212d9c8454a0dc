import { z } from 'zod';

const KNOWN = new Set(Intl.supportedValuesOf('currency'));
const digits = new Map<string, number>();

/** An ISO 4217 currency code the runtime knows (EUR, GBP, JPY, KWD…). */
export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, { error: 'not an ISO 4217 currency code (EUR, GBP, JPY…)', abort: true })
  .refine((code) => KNOWN.has(code), 'not an ISO 4217 currency code (EUR, GBP, JPY…)');
export type CurrencyCode = z.infer<typeof CurrencyCode>;

/**
 * The currency's minor unit, in decimal places: 2 for EUR and GBP, 0 for JPY, 3 for KWD. Every amount
 * of a merchant is an integer count of its currency's minor unit (the "cents" of field names).
 */
export function minorUnitOf(currency: string): number {
  let n = digits.get(currency);
  if (n === undefined) {
    n = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digits.set(currency, n);
  }
  return n;
}
