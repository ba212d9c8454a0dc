import { hostname } from 'node:os';
import type pg from 'pg';

/** First key of the scheduler's advisory locks ("RSCH"); the second is hashtext('<job>@<merchant>'). */
const LOCK_NAMESPACE = 0x52534348;

export const OWNER = `${hostname()}:${process.pid}`;

export interface RunKey {
  readonly merchantId: string;
  readonly job: string;
  readonly period: string;
}

/**
 * The ledger of scheduled runs (table scheduled_runs), used through one dedicated connection that holds
 * the advisory lock of a (job, merchant) while a run goes: the lock keeps two processes from running
 * it at once, the "done" row keeps anyone from running that day again. The connection is never
 * returned to the pool with the lock held.
 */
export class RunLedger {
  private constructor(private readonly client: pg.PoolClient) {}

  /**
   * The ledger with the lock of (job, merchant) held, waiting for another process to finish first;
   * null when `stopped` says to give up.
   */
  static async locked(pool: pg.Pool, job: string, merchantId: string, stopped: () => boolean, pollMs = 250): Promise<RunLedger | null> {
    const client = await pool.connect();
    client.on('error', () => undefined);
    try {
      while (!stopped()) {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_NAMESPACE, `${job}@${merchantId}`]);
        if (rows[0]!.ok) return new RunLedger(client);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    } catch (error) {
      client.release(true);
      throw error;
    }
    client.release();
    return null;
  }

  /** Ends the connection, and the lock with it. */
  close(): void {
    this.client.release(true);
  }

  async lastDone(job: string, merchantId: string): Promise<string | null> {
    return lastDonePeriod(this.client, job, merchantId);
  }

  /** Marks the run started; false when that day is already done. A "running" row left by a dead process is taken over. */
  async claim(key: RunKey, coversFrom: string, trigger: 'schedule' | 'catch-up'): Promise<boolean> {
    const { rowCount } = await this.client.query(
      `INSERT INTO scheduled_runs AS r (merchant_id, job, period, covers_from, trigger, status, owner)
       VALUES ($1, $2, $3, $4, $5, 'running', $6)
       ON CONFLICT (merchant_id, job, period) DO UPDATE
          SET status = 'running', attempts = r.attempts + 1, covers_from = EXCLUDED.covers_from, trigger = EXCLUDED.trigger,
              owner = EXCLUDED.owner, started_at = now(), finished_at = NULL, error = NULL
        WHERE r.status <> 'done'`,
      [key.merchantId, key.job, key.period, coversFrom, trigger, OWNER],
    );
    return rowCount === 1;
  }

  async done(key: RunKey, summary: Record<string, unknown> | null): Promise<void> {
    await this.client.query(
      `UPDATE scheduled_runs SET status = 'done', finished_at = now(), summary = $4::jsonb WHERE merchant_id = $1 AND job = $2 AND period = $3`,
      [key.merchantId, key.job, key.period, summary === null ? null : JSON.stringify(summary)],
    );
  }

  async failed(key: RunKey, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.client.query(
      `UPDATE scheduled_runs SET status = 'failed', finished_at = now(), error = $4 WHERE merchant_id = $1 AND job = $2 AND period = $3`,
      [key.merchantId, key.job, key.period, message.slice(0, 2000)],
    );
  }
}

/** The last local day a job completed for a merchant (null: it never did). */
export async function lastDonePeriod(db: pg.Pool | pg.PoolClient, job: string, merchantId: string): Promise<string | null> {
  const { rows } = await db.query<{ period: string | null }>(
    `SELECT max(period)::text AS period FROM scheduled_runs WHERE merchant_id = $1 AND job = $2 AND status = 'done'`,
    [merchantId, job],
  );
  return rows[0]?.period ?? null;
}

/** The jobs whose latest day failed, for /health: "rfm@m1 2026-07-01: <error>". */
export async function failingRuns(db: pg.Pool, jobs: readonly string[], merchantIds: readonly string[]): Promise<string[]> {
  if (jobs.length === 0 || merchantIds.length === 0) return [];
  const { rows } = await db.query<{ merchant_id: string; job: string; period: string; error: string | null }>(
    `SELECT merchant_id, job, period::text, error FROM (
       SELECT DISTINCT ON (merchant_id, job) merchant_id, job, period, status, error
         FROM scheduled_runs WHERE merchant_id = ANY($1::text[]) AND job = ANY($2::text[])
        ORDER BY merchant_id, job, period DESC) latest
      WHERE status = 'failed'`,
    [merchantIds, jobs],
  );
  return rows.map((r) => `${r.job}@${r.merchant_id} ${r.period}: ${r.error ?? 'failed'}`);
}
