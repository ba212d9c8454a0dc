import { LIMITS, startOfLocalDay } from '@relance/domain';

/** A problem with one column of one row, worded for the merchant who will fix the file. */
export class RowProblem extends Error {
  override readonly name = 'RowProblem';
}

const YES = new Set(['1', 'oui', 'o', 'yes', 'y', 'true', 'vrai', 'x']);
const NO = new Set(['0', 'non', 'n', 'no', 'false', 'faux', '']);

export function flag(value: string | undefined, column: string): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  throw new RowProblem(`${column}: "${value}" is not oui/non, 1/0 or yes/no`);
}

/** A count, maybe signed ("-2" returned), maybe written with zero decimals ("3,00", "3.0"). */
export function wholeNumber(value: string | undefined, column: string): number {
  const v = (value ?? '').trim().replace(/[.,]0+$/, '');
  if (!/^[+-]?\d{1,9}$/.test(v)) throw new RowProblem(`${column}: "${value}" is not a whole number`);
  return Number(v);
}

/** `2026-03-14T10:05:00Z` as is; `14/03/2026 10:05`, `2026-03-14 10:05` or a bare date in the merchant's zone. */
export function instant(value: string | undefined, column: string, timeZone: string): string {
  const v = (value ?? '').trim();
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(v) && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  const fr = /^(\d{2})\/(\d{2})\/(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  const parts = fr ? [fr[3], fr[2], fr[1], fr[4], fr[5], fr[6]] : iso ? [iso[1], iso[2], iso[3], iso[4], iso[5], iso[6]] : null;
  if (!parts) throw new RowProblem(`${column}: "${value}" is not a date (2026-03-14T10:05:00Z, 14/03/2026 10:05 or 2026-03-14 10:05)`);
  const [y, mo, d, h, mi, s] = parts;
  // Calendar arithmetic reads years 0–99 as 1900–1999: such a date must be refused, never moved.
  if (`${y}-${mo}-${d}` < LIMITS.earliestBusinessInstant.slice(0, 10)) {
    throw new RowProblem(`${column}: "${value}" is before ${LIMITS.earliestBusinessInstant}, the earliest date accepted`);
  }
  const date = `${y}-${mo}-${d}`;
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    throw new RowProblem(`${column}: "${value}" is not a calendar date`);
  }
  // Local wall time: the start of the local day plus the time of day (exact except on a DST change night).
  const seconds = Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0);
  return new Date(Date.parse(startOfLocalDay(date, timeZone)) + seconds * 1000).toISOString();
}

/** `14/03/1985` or `1985-03-14` → `1985-03-14`. */
export function localDate(value: string | undefined, column: string): string | undefined {
  const v = (value ?? '').trim();
  if (v === '') return undefined;
  const fr = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(v);
  const date = fr ? `${fr[3]}-${fr[2]}-${fr[1]}` : v;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RowProblem(`${column}: "${value}" is not a date (14/03/1985 or 1985-03-14)`);
  return date;
}

/** The value, or undefined when the column is empty or absent. */
export function optional(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}
