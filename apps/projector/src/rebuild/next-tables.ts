import { ident, sql } from '@relance/platform';
import type pg from 'pg';
import type { Projection } from '../projection.js';

export const nextTable = (table: string): string => `${table}_next`;
/** While it belongs to a `_next` table, an index carries this suffix; the swap gives it its live name. */
const twinIndex = (index: string): string => `${index}_nx`;

interface IndexRow {
  name: string;
  def: string;
  primary: boolean;
  unique: boolean;
}

async function indexesOf(db: pg.PoolClient, table: string): Promise<IndexRow[]> {
  const { rows } = await db.query<IndexRow>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisprimary AS primary, i.indisunique AS unique
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = to_regclass($1)
      ORDER BY c.relname`,
    [table],
  );
  return rows;
}

/** The live index's definition, on the twin table and under the twin's name. */
function twinDefinition(index: IndexRow, table: string): string {
  const match = /^CREATE (UNIQUE )?INDEX \S+ ON \S+ (USING .+)$/.exec(index.def);
  if (!match) throw new Error(`Unexpected index definition: ${index.def}`);
  return `CREATE ${match[1] ?? ''}INDEX IF NOT EXISTS ${ident(twinIndex(index.name)).name} ON ${ident(nextTable(table)).name} ${match[2]}`;
}

/** True when every `_next` table of the projection exists (a rebuild can resume into them). */
export async function nextTablesExist(db: pg.PoolClient, projection: Projection): Promise<boolean> {
  const { rows } = await db.query<{ missing: number }>(
    `SELECT count(*)::int AS missing FROM unnest($1::text[]) AS t(name) WHERE to_regclass(t.name) IS NULL`,
    [projection.tables.map(nextTable)],
  );
  return rows[0]!.missing === 0;
}

/**
 * Fresh, empty `_next` twins of the live tables, built for loading: UNLOGGED (no write-ahead log
 * while they fill) and with only their unique indexes (the upserts need them). The other indexes
 * are built once, on the loaded rows, by `completeNextTables`.
 */
export async function createNextTables(db: pg.PoolClient, projection: Projection): Promise<void> {
  for (const table of projection.tables) {
    await db.query(sql`DROP TABLE IF EXISTS ${ident(nextTable(table))}`);
    await db.query(sql`CREATE UNLOGGED TABLE ${ident(nextTable(table))} (LIKE ${ident(table)} INCLUDING ALL EXCLUDING INDEXES)`);
    for (const index of await indexesOf(db, table)) {
      if (!index.unique) continue;
      await db.query(twinDefinition(index, table));
      if (index.primary) {
        await db.query(sql`ALTER TABLE ${ident(nextTable(table))} ADD CONSTRAINT ${ident(twinIndex(index.name))} PRIMARY KEY USING INDEX ${ident(twinIndex(index.name))}`);
      }
    }
  }
}

/**
 * The remaining indexes, then the write-ahead log: the twins become as durable as the live tables.
 * Two tables at a time, the largest first, each on a connection of its own: index builds and the
 * writing of a table to the log are one core's work each, and the projector is idle meanwhile.
 */
export async function completeNextTables(pool: pg.Pool, projections: readonly Projection[], parallel = 2): Promise<void> {
  const { rows } = await pool.query<{ table: string }>(
    `SELECT t.name AS table FROM unnest($1::text[]) AS t(name)
      ORDER BY pg_total_relation_size(to_regclass(t.name || '_next')) DESC, t.name`,
    [projections.flatMap((p) => p.tables)],
  );
  const queue = rows.map((r) => r.table);
  const worker = async (): Promise<void> => {
    const db = await pool.connect();
    try {
      for (let table = queue.shift(); table !== undefined; table = queue.shift()) {
        for (const index of await indexesOf(db, table)) if (!index.unique) await db.query(twinDefinition(index, table));
        await db.query(sql`ALTER TABLE ${ident(nextTable(table))} SET LOGGED`);
      }
    } catch (error) {
      queue.length = 0; // the other worker stops after its current table; a rerun resumes (IF NOT EXISTS)
      throw error;
    } finally {
      db.release();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
}

/**
 * Replaces each live table by its twin, inside the caller's transaction, and gives the twin's
 * indexes (and primary key) their live names: a rebuilt schema is the migrated schema, name for name.
 */
export async function swapTables(db: pg.PoolClient, projection: Projection): Promise<void> {
  for (const table of projection.tables) await db.query(sql`LOCK TABLE ${ident(table)}, ${ident(nextTable(table))} IN ACCESS EXCLUSIVE MODE`);
  for (const table of projection.tables) {
    const live = await indexesOf(db, table);
    await db.query(sql`DROP TABLE ${ident(table)}`);
    await db.query(sql`ALTER TABLE ${ident(nextTable(table))} RENAME TO ${ident(table)}`);
    for (const index of live) await db.query(sql`ALTER INDEX ${ident(twinIndex(index.name))} RENAME TO ${ident(index.name)}`);
  }
}
