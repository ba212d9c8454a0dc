import { derivedUuidV7, SEGMENTS, streams, type EventData, type Segment } from '@relance/domain';
import type { EventStore, EventToAppend } from '@relance/event-store';
import type { Clock } from '@relance/platform';
import type pg from 'pg';
import { LockSession } from '../runner/locks.js';
import { planChanges, replaceScores } from './rfm-plan.sql.js';
import { CREATE_CANDIDATES, scoreCustomers, type RfmParameters } from './rfm.sql.js';

export interface RfmRunReport {
  readonly merchantId: string;
  readonly runId: string;
  readonly asOf: string;
  readonly scored: number;
  readonly changes: number;
  /** True when this call only finished publishing a run planned earlier (a crash in between). */
  readonly resumed: boolean;
}

/** A run's parameters, with the merchant's currency (ISO 4217): the one of the monetary values its changes announce. */
export type RfmRunParameters = RfmParameters & { readonly currency: string };

type Change = Pick<EventData<'SegmentChanged'>, 'customerId' | 'from' | 'to' | 'scores' | 'currency' | 'values'> & { eventId: string };

/**
 * An RFM run of one merchant, in two steps. Plan, in one transaction: score every customer, store
 * the changes of segment against the last run with their event ids, and make this run's scores the
 * reference. Publish: append the changes as SegmentChanged to segments-<merchantId> in fixed slices.
 * A run that crashed while publishing is published again, slice for slice with the same ids, and the
 * store keeps each event once. One run at a time per merchant (advisory lock).
 */
export class RfmRun {
  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly sliceSize = 5000,
  ) {}

  /** Runs one (after publishing any run left half-published); `wait` false skips when another runs. */
  async run(params: RfmRunParameters, runId: string, wait = true): Promise<RfmRunReport[] | null> {
    const session = await LockSession.open(this.pool);
    try {
      const lock = `rfm:${params.merchantId}`;
      if (!(wait ? await session.lock(lock, 200) : await session.tryLock(lock))) return null;
      const reports = await this.resume(session.client, params.merchantId);
      reports.push(await this.plan(session.client, params, runId));
      await this.publish(session.client, params.merchantId, runId);
      return reports;
    } finally {
      session.close();
    }
  }

  /** Finishes, under the merchant's lock, the runs a crash left planned; null when another holds it. */
  async resumeLocked(merchantId: string): Promise<RfmRunReport[] | null> {
    const session = await LockSession.open(this.pool);
    try {
      if (!(await session.tryLock(`rfm:${merchantId}`))) return null;
      return await this.resume(session.client, merchantId);
    } finally {
      session.close();
    }
  }

  /** Publishes the runs of a merchant that were planned but not (wholly) published. */
  async resume(db: pg.PoolClient, merchantId: string): Promise<RfmRunReport[]> {
    const { rows } = await db.query<{ run_id: string; as_of: string; scored: number; changes: number }>(
      `SELECT run_id, as_of::text, scored, changes FROM rfm_runs WHERE merchant_id = $1 AND status = 'planned' ORDER BY planned_at`,
      [merchantId],
    );
    for (const row of rows) await this.publish(db, merchantId, row.run_id);
    return rows.map((r) => ({ merchantId, runId: r.run_id, asOf: r.as_of, scored: r.scored, changes: r.changes, resumed: true }));
  }

  private async plan(db: pg.PoolClient, params: RfmRunParameters, runId: string): Promise<RfmRunReport> {
    const plannedAt = this.clock.now();
    await db.query('BEGIN');
    try {
      // One merchant's customers are aggregated and sorted in memory, not in temporary files.
      await db.query(`SET LOCAL work_mem = '256MB'`);
      await db.query(CREATE_CANDIDATES);
      const scored = (await db.query(scoreCustomers(params))).rowCount ?? 0;
      // Temporary tables are never analysed automatically: without it the joins below are planned blind.
      await db.query('ANALYZE rfm_candidate');
      // The merchant's first run is its baseline: no change of segment is announced per customer.
      const { rows: earlier } = await db.query('SELECT 1 FROM rfm_runs WHERE merchant_id = $1 LIMIT 1', [params.merchantId]);
      const baseline = earlier.length === 0;
      if (!baseline) await db.query(planChanges(params.merchantId, params.currency, runId, plannedAt.getTime(), this.sliceSize));
      const { rows } = await db.query<{ changes: number }>(
        `SELECT COALESCE(sum(jsonb_array_length(changes)), 0)::int AS changes FROM rfm_run_slices WHERE merchant_id = $1 AND run_id = $2`,
        [params.merchantId, runId],
      );
      const changes = rows[0]!.changes;
      for (const statement of replaceScores(params.merchantId, runId, params.asOf)) await db.query(statement);
      await db.query(
        `INSERT INTO rfm_runs (merchant_id, run_id, as_of, status, scored, changes, planned_at, baseline) VALUES ($1, $2, $3, 'planned', $4, $5, $6, $7)`,
        [params.merchantId, runId, params.asOf, scored, changes, plannedAt.toISOString(), baseline],
      );
      await db.query('COMMIT');
      return { merchantId: params.merchantId, runId, asOf: params.asOf, scored, changes, resumed: false };
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private async publish(db: pg.PoolClient, merchantId: string, runId: string): Promise<void> {
    const { rows: runs } = await db.query<{ as_of: string; planned_at: Date; baseline: boolean; scored: number }>(
      `SELECT as_of::text, planned_at, baseline, scored FROM rfm_runs WHERE merchant_id = $1 AND run_id = $2`,
      [merchantId, runId],
    );
    const run = runs[0]!;
    const stream = streams.segments(merchantId);
    if (run.baseline) await this.store.append(stream, [await this.baselineRecorded(db, merchantId, runId, run)], 'any');
    const { rows: slices } = await db.query<{ slice: number }>(
      'SELECT slice FROM rfm_run_slices WHERE merchant_id = $1 AND run_id = $2 ORDER BY slice',
      [merchantId, runId],
    );
    // The next slice is read (and parsed) while the current one is appended.
    const read = (slice: number) =>
      db.query<{ changes: Change[] }>('SELECT changes FROM rfm_run_slices WHERE merchant_id = $1 AND run_id = $2 AND slice = $3', [merchantId, runId, slice]);
    let next = slices.length > 0 ? read(slices[0]!.slice) : undefined;
    try {
      for (let i = 0; i < slices.length; i++) {
        const { rows } = await next!;
        next = i + 1 < slices.length ? read(slices[i + 1]!.slice) : undefined;
        const events = rows[0]!.changes.map((change) => this.segmentChanged(merchantId, runId, run.as_of, run.planned_at, change));
        await this.store.append(stream, events, 'any');
      }
    } catch (error) {
      await next?.catch(() => undefined); // the connection must be idle again before it is released
      throw error;
    }
    await db.query('BEGIN');
    await db.query(`UPDATE rfm_runs SET status = 'published', published_at = now() WHERE merchant_id = $1 AND run_id = $2`, [merchantId, runId]);
    await db.query('DELETE FROM rfm_run_slices WHERE merchant_id = $1 AND run_id = $2', [merchantId, runId]);
    await db.query('COMMIT');
  }

  /** The baseline's one event: the counts per segment of the scores it stored (its id derived from the run: published once). */
  private async baselineRecorded(db: pg.PoolClient, merchantId: string, runId: string, run: { as_of: string; planned_at: Date; scored: number }): Promise<EventToAppend> {
    const { rows } = await db.query<{ segment: Segment; n: number }>(
      'SELECT segment, count(*)::int AS n FROM rfm_scores WHERE merchant_id = $1 GROUP BY segment',
      [merchantId],
    );
    const counts = Object.fromEntries(SEGMENTS.map((s) => [s, rows.find((r) => r.segment === s)?.n ?? 0])) as Record<Segment, number>;
    const recordedAt = run.planned_at.toISOString();
    const eventId = derivedUuidV7(recordedAt, `rfm-baseline|${merchantId}|${runId}`);
    return {
      type: 'RfmBaselineRecorded',
      data: { runId, asOf: run.as_of, scored: run.scored, counts, recordedAt } satisfies EventData<'RfmBaselineRecorded'>,
      metadata: { eventId, merchantId, correlationId: runId, causationId: runId, actor: 'system:rfm', occurredAt: recordedAt, recordedAt: this.clock.now().toISOString() },
    };
  }

  private segmentChanged(merchantId: string, runId: string, asOf: string, plannedAt: Date, change: Change): EventToAppend {
    const changedAt = plannedAt.toISOString();
    const { eventId, ...data } = change;
    return {
      type: 'SegmentChanged',
      data: { ...data, asOf, runId, changedAt } satisfies EventData<'SegmentChanged'>,
      metadata: {
        eventId,
        merchantId,
        correlationId: runId,
        causationId: runId,
        actor: 'system:rfm',
        occurredAt: changedAt,
        recordedAt: this.clock.now().toISOString(),
      },
    };
  }
}
