import { LIMITS, minorUnitOf } from '@relance/domain';
import { RowProblem } from './csv-values.js';

export type DecimalSeparator = ',' | '.';

/** Spaces and apostrophes that group thousands, dropped before an amount is read. */
const GROUPING = /[\s\u00a0\u202f'’]/g;
/** Currency signs and codes an amount may carry: only the merchant's own are accepted. */
const MONEY_MARK = /[€£¥$₩₹₽¢]|\b[A-Z]{3}\b/gi;

/** The currency's own marks: its code and its narrow symbol (€, £, ¥…). */
function marksOf(currency: string): ReadonlySet<string> {
  const symbol = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).formatToParts(0).find((p) => p.type === 'currency')?.value;
  return new Set([currency.toUpperCase(), ...(symbol ? [symbol] : [])]);
}

/** A currency sign or code in the value that is not one of `own`, or null. */
function foreignMark(value: string, own: ReadonlySet<string>): string | null {
  if (/^[\d\s.,+-]*$/.test(value)) return null;
  return [...value.matchAll(MONEY_MARK)].map((m) => m[0]).find((mark) => !own.has(mark.toUpperCase()) && !own.has(mark)) ?? null;
}

/** What an amount looks like once its grouping and currency marks are dropped. */
function bare(value: string): string {
  return value.replace(MONEY_MARK, '').replace(GROUPING, '');
}

/**
 * Which separator a value shows to be the decimal one, or null when it does not say:
 * - "1.234,50", "1,234.50": both appear, the last one is decimal;
 * - "1.234.567": one appears twice, it groups thousands, so the other is decimal;
 * - "12,5", "0,0001", "3.14": once, not followed by exactly three digits: decimal;
 * - "0.001", ",250": once, three digits after, and nothing (or 0) before it: decimal (no number is
 *   written with thousands separators after a 0);
 * - "1,234", "12": undecided ("1,234" is 1.234 or 1234 depending on the file).
 */
export function decimalShownBy(value: string): DecimalSeparator | null {
  const v = bare(value).replace(/^[+-]/, '');
  if (!/^[\d.,]+$/.test(v)) return null;
  const lastComma = v.lastIndexOf(',');
  const lastPoint = v.lastIndexOf('.');
  if (lastComma >= 0 && lastPoint >= 0) return lastComma > lastPoint ? ',' : '.';
  const sep: DecimalSeparator | null = lastComma >= 0 ? ',' : lastPoint >= 0 ? '.' : null;
  if (sep === null) return null;
  const parts = v.split(sep);
  if (parts.length > 2) return sep === ',' ? '.' : ',';
  const [whole, fraction] = parts as [string, string];
  if (fraction.length !== 3) return fraction.length > 0 ? sep : null;
  return whole === '' || /^0+$/.test(whole) ? sep : null;
}

export interface Amount {
  /** In the currency's minor unit, signed. */
  readonly minor: number;
  /** Set when the value had more decimals than the currency's minor unit and was rounded. */
  readonly rounded: string | null;
}

/**
 * One rule to read every amount of a file: the decimal separator (declared, or shown by the first
 * value of the file that says it, never guessed value by value) and the merchant's currency.
 *
 * - Thousands may be grouped by spaces or apostrophes; by the other separator ("." in a file whose
 *   decimals are ",") only in a value that has decimals too ("1.234,50"): "1.234" in such a file is
 *   refused as ambiguous, as is any value with a separator while the file's rule is unknown.
 * - More decimals than the currency's minor unit (0.001 EUR, 12.5 JPY) are rounded half away from
 *   zero to the minor unit (0.001 → 0.00, 0.005 → 0.01, 12.5 JPY → 13), and reported.
 */
export class AmountRule {
  readonly minorUnit: number;
  private readonly ownMarks: ReadonlySet<string>;

  constructor(
    readonly decimal: DecimalSeparator | null,
    readonly currency: string,
    /** How the separator was set, for the summary: "declared", "detected at line N", or "none in the file". */
    readonly origin: string,
  ) {
    this.minorUnit = minorUnitOf(currency);
    this.ownMarks = marksOf(currency);
  }

  read(value: string | undefined, column: string): Amount {
    const raw = (value ?? '').trim();
    const foreign = foreignMark(raw, this.ownMarks);
    if (foreign) throw new RowProblem(`${column}: "${raw}" is in ${foreign}, not in ${this.currency}, the merchant's currency`);
    let v = bare(raw);
    if (v === '') throw new RowProblem(`${column}: missing amount`);
    const negative = v.startsWith('-');
    v = v.replace(/^[+-]/, '');
    if (!/^[\d.,]+$/.test(v) || !/^\d/.test(v)) throw new RowProblem(`${column}: "${raw}" is not an amount in ${this.currency}${this.example()}`);
    let whole: string;
    let fraction = '';
    if (!/[.,]/.test(v)) {
      whole = v;
    } else if (this.decimal === null) {
      throw new RowProblem(`${column}: "${raw}" is ambiguous: no amount of the file shows its decimal separator (declare it: --decimal comma or --decimal point)`);
    } else {
      const decimal = this.decimal;
      const grouping = decimal === ',' ? '.' : ',';
      const parts = v.split(decimal);
      if (parts.length > 2) throw new RowProblem(`${column}: "${raw}" is not an amount in ${this.currency}${this.example()}`);
      [whole, fraction = ''] = parts as [string, string?];
      if (whole.includes(grouping)) {
        if (parts.length === 1) {
          throw new RowProblem(`${column}: "${raw}" is ambiguous: this file's decimal separator is "${decimal}", and "${grouping}" here could be a decimal point or group thousands`);
        }
        if (!/^[1-9]\d{0,2}([.,]\d{3})+$/.test(whole)) throw new RowProblem(`${column}: "${raw}" is not an amount in ${this.currency}${this.example()}`);
        whole = whole.split(grouping).join('');
      }
      if (!/^\d+$/.test(whole) || !/^\d*$/.test(fraction)) throw new RowProblem(`${column}: "${raw}" is not an amount in ${this.currency}${this.example()}`);
    }
    const digits = this.minorUnit;
    let minor = BigInt(whole) * 10n ** BigInt(digits) + (digits > 0 ? BigInt(fraction.slice(0, digits).padEnd(digits, '0')) : 0n);
    const dropped = fraction.slice(digits);
    const rounded = /[1-9]/.test(dropped) ? raw : null;
    if (dropped !== '' && dropped[0]! >= '5') minor += 1n;
    if (minor > BigInt(LIMITS.amountCents)) {
      throw new RowProblem(`${column}: "${raw}" is above the limit of ${this.format(LIMITS.amountCents)} ${this.currency}`);
    }
    const n = Number(minor);
    return { minor: negative && n !== 0 ? -n : 0 + n, rounded };
  }

  /** An amount in minor units as the file's rule writes it: 1250 EUR with "," → "12,50". */
  format(minor: number): string {
    const sign = minor < 0 ? '-' : '';
    const s = String(Math.abs(minor)).padStart(this.minorUnit + 1, '0');
    if (this.minorUnit === 0) return `${sign}${s}`;
    return `${sign}${s.slice(0, -this.minorUnit)}${this.decimal ?? '.'}${s.slice(-this.minorUnit)}`;
  }

  private example(): string {
    return this.minorUnit === 0 ? ' (e.g. 1250)' : ` (e.g. ${this.format(1250 * 10 ** (this.minorUnit - 2))})`;
  }
}
