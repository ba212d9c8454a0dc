import { minorDigits } from '../costs.js';

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(key: string, locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

/**
 * An amount in minor units, in the reader's conventions: 1250 EUR in fr-FR is "12,50 €", in en-GB
 * "€12.50"; 1250 JPY is "￥1,250". The decimal value is built as a string, so nothing is lost to
 * floating point. `compact` drops zero decimals ("10 €" rather than "10,00 €").
 */
export function formatMoney(amountMinor: number, currency: string, locale: string, compact = false): string {
  if (!Number.isSafeInteger(amountMinor)) throw new Error(`money: ${amountMinor} is not an amount in minor units (an integer)`);
  const digits = minorDigits(currency);
  const negative = amountMinor < 0;
  const units = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  const whole = units.slice(0, units.length - digits);
  const fraction = units.slice(units.length - digits);
  const shown = compact && /^0*$/.test(fraction) ? 0 : digits;
  const format = numberFormat(`money:${locale}:${currency}:${shown}`, locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: shown,
    maximumFractionDigits: shown,
  });
  const decimal = `${negative ? '-' : ''}${whole}${digits > 0 && shown > 0 ? `.${fraction}` : ''}`;
  // format() takes an exact decimal string (Intl.NumberFormat v3); typed as number in lib.es2023.
  return format.format(decimal as unknown as number);
}

export function formatNumber(value: number, locale: string): string {
  return numberFormat(`number:${locale}`, locale, { maximumFractionDigits: 3 }).format(value);
}

export const DATE_FORMATS = ['long', 'weekday', 'short', 'day-month', 'time', 'datetime'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

const DATE_OPTIONS: Record<DateFormat, Intl.DateTimeFormatOptions> = {
  long: { day: 'numeric', month: 'long', year: 'numeric' },
  weekday: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' },
  short: { day: '2-digit', month: '2-digit', year: 'numeric' },
  'day-month': { day: 'numeric', month: 'long' },
  time: { hour: '2-digit', minute: '2-digit' },
  datetime: { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' },
};

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A date for the reader. An instant (ISO with a time, or a Date) is shown in the merchant's time
 * zone: 2026-12-31T23:30:00Z is the 1st of January in Paris. A calendar date (YYYY-MM-DD) is the
 * same day everywhere and is never shifted.
 */
export function formatDate(value: string | Date, format: DateFormat, locale: string, timeZone: string): string {
  let instant: Date;
  let zone = timeZone;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    if ((DATE_OPTIONS[format].hour ?? null) !== null) throw new Error(`date: ${value} is a calendar date and has no time to show`);
    instant = new Date(`${value}T00:00:00Z`);
    zone = 'UTC';
  } else {
    instant = value instanceof Date ? value : new Date(value);
  }
  if (Number.isNaN(instant.getTime())) throw new Error(`date: "${String(value)}" is not a date (YYYY-MM-DD) or an ISO instant`);
  const key = `${locale}:${zone}:${format}`;
  let formatter = dateFormats.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { ...DATE_OPTIONS[format], timeZone: zone });
    dateFormats.set(key, formatter);
  }
  return formatter.format(instant);
}

/** The place-and-date line of a letter: "Lyon, le 3 décembre 2026", "Lyon, 3 December 2026". */
export function letterDateLine(city: string, date: Date, locale: string, timeZone: string): string {
  const day = formatDate(date, 'long', locale, timeZone);
  return locale.startsWith('fr') ? `${city}, le ${day}` : `${city}, ${day}`;
}

/**
 * A first name as a person writes it: "jean-pierre" and "JEAN-PIERRE" become "Jean-Pierre",
 * "o'brien" "O'Brien". Missing or blank gives the fallback.
 */
export function formatFirstName(name: unknown, locale: string, fallback: string): string {
  if (typeof name !== 'string' || name.trim() === '') return fallback;
  return name
    .trim()
    .replace(/\s+/g, ' ')
    .toLocaleLowerCase(locale)
    .replace(/(^|[\s\-'’])(\p{L})/gu, (_, separator: string, letter: string) => separator + letter.toLocaleUpperCase(locale));
}
