import type pg from 'pg';

/** First key of every projector advisory lock ("RELA"); the second is a hash of the lock's name. */
export const LOCK_NAMESPACE = 0x52454c41;

/** FNV-1a over the name, kept positive so it reads the same in pg_locks.objid (an oid). */
export function lockKey(schema: string, name: string): number {
  const text = `${schema}:${name}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}

export const liveLockName = (projection: string): string => projection;
export const nextLockName = (projection: string): string => `${projection}.next`;

/**
 * A dedicated connection holding session-level advisory locks, one per projection it writes. The
 * writes go through this same connection: if it dies, its locks and its open transaction die with it,
 * and another projector process takes over from the last committed checkpoint.
 */
export class LockSession {
  private readonly held = new Set<string>();

  private constructor(
    readonly client: pg.PoolClient,
    readonly schema: string,
  ) {}

  static async open(pool: pg.Pool): Promise<LockSession> {
    const client = await pool.connect();
    // A connection lost between queries (server restart, terminated backend) must not crash the
    // process: the next query fails, and the runner starts again with a new session.
    client.on('error', () => undefined);
    try {
      // Safe for exactly-once: an asynchronous commit lost in a server crash takes its checkpoint
      // with it, so its batch is simply applied again. Commits then need not wait for the disk.
      await client.query('SET synchronous_commit = off');
      const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
      return new LockSession(client, rows[0]!.schema);
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  holds(name: string): boolean {
    return this.held.has(name);
  }

  async tryLock(name: string): Promise<boolean> {
    if (this.held.has(name)) return true;
    const { rows } = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_NAMESPACE, lockKey(this.schema, name)]);
    if (rows[0]!.ok) this.held.add(name);
    return rows[0]!.ok;
  }

  /** Waits for the lock, polling, so that a stopped caller is never stuck in a blocking call. */
  async lock(name: string, pollMs: number, stopped: () => boolean = () => false): Promise<boolean> {
    while (!stopped()) {
      if (await this.tryLock(name)) return true;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    return false;
  }

  async unlock(name: string): Promise<void> {
    if (!this.held.delete(name)) return;
    await this.client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, lockKey(this.schema, name)]);
  }

  /** Ends the connection (never back to the pool: it would keep the locks). */
  close(): void {
    this.held.clear();
    this.client.release(true);
  }
}

/** Which of these lock names some session holds right now (read through any connection). */
export async function heldLocks(db: pg.Pool | pg.PoolClient, schema: string, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const keys = new Map(names.map((n) => [lockKey(schema, n), n]));
  const { rows } = await db.query<{ objid: string }>(
    `SELECT objid::text FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND classid = $1::int::oid AND objsubid = 2 AND objid = ANY($2::bigint[]::oid[])`,
    [LOCK_NAMESPACE, [...keys.keys()]],
  );
  return new Set(rows.map((r) => keys.get(Number(r.objid))!).filter(Boolean));
}

/**
 * Live projections whose rebuild asks for the swap (status "swapping"), while that rebuild is alive:
 * it holds its own lock. A request left behind by a rebuild that died is ignored.
 */
export async function swapRequests(db: pg.Pool, schema: string, projections: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT name FROM projection_rebuilds WHERE status = 'swapping' AND name = ANY($1::text[])`,
    [projections],
  );
  if (rows.length === 0) return new Set();
  const alive = await heldLocks(db, schema, rows.map((r) => nextLockName(r.name)));
  return new Set(rows.map((r) => r.name).filter((name) => alive.has(nextLockName(name))));
}
