import type { Sql } from '@relance/platform';
import type { ProjectionContext } from '../projection.js';
import { Columns } from './columns.js';

/** The PostgreSQL type of a column, as the rows carry it. */
export type ColumnType = 'text' | 'uuid' | 'bigint' | 'int' | 'boolean' | 'timestamptz' | 'date' | 'numeric' | 'jsonb';

export type Shape = Readonly<Record<string, ColumnType>>;

/**
 * The rows one statement writes to a read-model table, described once: `{ column: type }`. From that
 * object come the column list, the `unnest` of one typed array per column (`jsonb` travels as text and
 * is cast once, in the SELECT) and its aliases, so that the three never drift apart and a column is
 * added in one place.
 *
 *   const r = rows(context, 'tier_history', { merchant_id: 'text', event_id: 'uuid', changed_at: 'timestamptz' });
 *   for (const e of changes) r.push({ merchant_id: …, event_id: …, changed_at: … });
 *   return r.insert('ON CONFLICT (merchant_id, event_id) DO NOTHING');
 *
 * gives `INSERT INTO "tier_history" AS t (merchant_id, event_id, changed_at) SELECT merchant_id,
 * event_id, changed_at FROM unnest($1::text[], $2::uuid[], $3::timestamptz[]) AS r(merchant_id,
 * event_id, changed_at) ON CONFLICT …`. The table is `t` in the tail (for `WHERE t.revision < …`),
 * and the new values are `EXCLUDED.<column>` as usual.
 */
export class Rows<S extends Shape> {
  private readonly columns: Columns<keyof S & string>;
  private readonly names: (keyof S & string)[];

  constructor(
    private readonly table: ReturnType<ProjectionContext['table']>,
    private readonly shape: S,
  ) {
    this.names = Object.keys(shape) as (keyof S & string)[];
    for (const name of this.names) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unsafe column name "${name}"`);
    }
    this.columns = new Columns(this.names);
  }

  get size(): number {
    return this.columns.size;
  }

  push(row: { readonly [K in keyof S]: unknown }): void {
    this.columns.push(row as Record<keyof S & string, unknown>);
  }

  /** The INSERT of every row pushed, followed by `tail` (ON CONFLICT …); null when there is none. */
  insert(tail = ''): Sql | null {
    if (this.size === 0) return null;
    const list = this.names.join(', ');
    const selected = this.names.map((n) => (this.shape[n] === 'jsonb' ? `${n}::jsonb` : n)).join(', ');
    const arrays = this.names.map((n, i) => `$${i + 1}::${this.shape[n] === 'jsonb' ? 'text' : this.shape[n]}[]`).join(', ');
    return {
      text: `INSERT INTO "${this.table.name}" AS t (${list})\nSELECT ${selected}\n  FROM unnest(${arrays}) AS r(${list})${tail ? `\n${tail}` : ''}`,
      values: this.names.map((n) => this.columns.get(n)),
    };
  }
}

/** Rows for a table of the projection, by its live name (the context gives the live table or its `_next` twin). */
export function rows<S extends Shape>(context: ProjectionContext, table: string, shape: S): Rows<S> {
  return new Rows(context.table(table), shape);
}
