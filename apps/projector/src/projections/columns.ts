/**
 * Column arrays for one multi-row statement (`unnest($1::text[], $2::int[], …)`), filled row by row.
 * One statement per kind of row and batch: a few round trips per thousand events. Each column goes
 * to PostgreSQL as one array literal, encoded here: the driver's generic array encoding runs two
 * regular expressions over every element, which showed as a tenth of a rebuild's time.
 */
export class Columns<K extends string> {
  private readonly arrays = new Map<K, unknown[]>();
  size = 0;

  constructor(names: readonly K[]) {
    for (const name of names) this.arrays.set(name, []);
  }

  push(row: Record<K, unknown>): void {
    for (const [name, values] of this.arrays) values.push(row[name] ?? null);
    this.size++;
  }

  /** The column as a PostgreSQL array literal, for a `${…}::type[]` parameter. */
  get(name: K): string {
    return arrayLiteral(this.arrays.get(name)!);
  }
}

const NEEDS_ESCAPE = /["\\]/;

/** `{"a",NULL,"b \"c\""}`: strings quoted (so NULL, commas and braces inside stay data), null as NULL. */
export function arrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const value = values[i];
    if (value === null || value === undefined) out += 'NULL';
    else if (typeof value === 'number' || typeof value === 'bigint') out += String(value);
    else if (typeof value === 'boolean') out += value ? 't' : 'f';
    else {
      const text = String(value);
      out += NEEDS_ESCAPE.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : `"${text}"`;
    }
  }
  return `${out}}`;
}

export function columns<K extends string>(...names: K[]): Columns<K> {
  return new Columns(names);
}

/** Groups values by a key, keeping first-seen order of keys and event order within each group. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** JSON text for a `::text[]` column cast to jsonb; an empty list (most ledger rows) skips the stringifier. */
export const json = (value: unknown): string => (Array.isArray(value) && value.length === 0 ? '[]' : JSON.stringify(value));
