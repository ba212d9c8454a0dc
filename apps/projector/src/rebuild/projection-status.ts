import type { EventStore } from '@relance/event-store';
import { formatPosition, START } from '@relance/event-store';
import type pg from 'pg';
import type { Projection } from '../projection.js';
import { loadCheckpoints } from '../runner/checkpoints.js';
import { loadParked, loadStalls } from '../runner/failures.js';
import { heldLocks, liveLockName } from '../runner/locks.js';

export interface ProjectionStatus {
  readonly name: string;
  /** `ok`; `stopped` (fails as a whole, waits at its checkpoint); `N merchant(s) waiting` (parked parts). */
  readonly state: string;
  /** Committed events after its checkpoint, up to the log's head ("≥" when counting stopped at its limit). */
  readonly lagEvents: string;
  /** Age of the oldest event it has not applied (a parked merchant's wait included). */
  readonly lagSeconds: number;
  /** A projector process holds its lock (it is being written). */
  readonly writer: boolean;
  readonly codeVersion: number;
  readonly builtVersion: number | null;
  readonly needsRebuild: boolean;
  readonly rebuild: string | null;
  readonly eventsProcessed: number;
  readonly checkpoint: string | null;
  readonly updatedAt: string | null;
}

export interface StatusReport {
  readonly projections: ProjectionStatus[];
  /** One line per stopped projection and per waiting merchant: what failed, where, since when, next try. */
  readonly problems: string[];
}

/** Where each read model stands, read from the database and the log (any process can run it). */
export async function projectionStatus(pool: pg.Pool, store: EventStore, projections: readonly Projection[]): Promise<StatusReport> {
  const names = projections.map((p) => p.name);
  const checkpoints = await loadCheckpoints(pool, names);
  const rebuilding = await loadCheckpoints(pool, names, 'projection_rebuild_checkpoints');
  const { rows: updated } = await pool.query<{ name: string; updated_at: Date }>(
    'SELECT name, updated_at FROM projection_checkpoints WHERE name = ANY($1::text[])',
    [names],
  );
  const { rows: rebuilds } = await pool.query<{ name: string; status: string }>(
    'SELECT name, status FROM projection_rebuilds WHERE name = ANY($1::text[])',
    [names],
  );
  const { rows: schema } = await pool.query<{ schema: string }>('SELECT current_schema() AS schema');
  const writers = await heldLocks(pool, schema[0]!.schema, names.map(liveLockName));
  const stalls = await loadStalls(pool, names);
  const parked = await loadParked(pool, names);
  const now = Date.now();
  const problems: string[] = [];
  const rows: ProjectionStatus[] = [];
  for (const p of projections) {
    const live = checkpoints.get(p.name);
    const next = rebuilding.get(p.name);
    const rebuild = rebuilds.find((r) => r.name === p.name);
    const stall = stalls.get(p.name);
    const waiting = parked.filter((part) => part.projection === p.name);
    // A projection that never ran has the whole log ahead of it.
    const backlog = await store.backlog(live?.position ?? START);
    const waited = waiting.reduce((oldest, part) => Math.max(oldest, (now - part.parkedAt.getTime()) / 1000), 0);
    if (stall && live) {
      problems.push(
        `${p.name} stopped at ${formatPosition(live.position)} since ${stall.since.toISOString()} (${stall.failures} attempts, next ${stall.retryAt.toISOString()}): ${stall.error}`,
      );
    }
    for (const part of waiting) {
      problems.push(
        `${p.name}: merchant ${part.merchantId || '(none)'} waits at ${formatPosition(part.position)} since ${part.parkedAt.toISOString()} ` +
          `(${part.failures} attempts, next ${part.retryAt.toISOString()}): event ${part.eventId} (${part.eventType}) at ${part.eventPosition}: ${part.error}`,
      );
    }
    rows.push({
      name: p.name,
      state: stall ? 'stopped' : waiting.length > 0 ? `${waiting.length} merchant${waiting.length > 1 ? 's' : ''} waiting` : 'ok',
      lagEvents: `${backlog.complete ? '' : '≥'}${backlog.events}`,
      lagSeconds: Math.round(Math.max(backlog.seconds, waited) * 10) / 10,
      writer: writers.has(p.name),
      codeVersion: p.version,
      builtVersion: live?.version ?? null,
      needsRebuild: live !== undefined && live.version < p.version,
      rebuild: rebuild && rebuild.status !== 'done' ? `${rebuild.status}${next ? ` at ${formatPosition(next.position)}` : ''}` : null,
      eventsProcessed: live?.eventsProcessed ?? 0,
      checkpoint: live ? formatPosition(live.position) : null,
      updatedAt: updated.find((u) => u.name === p.name)?.updated_at.toISOString() ?? null,
    });
  }
  return { projections: rows, problems };
}
