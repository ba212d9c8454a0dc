import type { EventStore } from '@relance/event-store';
import { formatPosition } from '@relance/event-store';
import type pg from 'pg';
import type { Projection } from '../projection.js';
import { loadCheckpoints } from '../runner/checkpoints.js';
import { heldLocks, liveLockName } from '../runner/locks.js';

export interface ProjectionStatus {
  readonly name: string;
  readonly codeVersion: number;
  readonly builtVersion: number | null;
  readonly checkpoint: string | null;
  readonly eventsProcessed: number;
  readonly updatedAt: string | null;
  /** A projector process holds its lock (it is being written). */
  readonly writer: boolean;
  readonly rebuild: string | null;
  readonly needsRebuild: boolean;
}

export async function projectionStatus(pool: pg.Pool, store: EventStore, projections: readonly Projection[]): Promise<{ head: string; projections: ProjectionStatus[] }> {
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
  const head = await store.headPosition();
  return {
    head: formatPosition(head),
    projections: projections.map((p) => {
      const live = checkpoints.get(p.name);
      const next = rebuilding.get(p.name);
      const rebuild = rebuilds.find((r) => r.name === p.name);
      return {
        name: p.name,
        codeVersion: p.version,
        builtVersion: live?.version ?? null,
        checkpoint: live ? formatPosition(live.position) : null,
        eventsProcessed: live?.eventsProcessed ?? 0,
        updatedAt: updated.find((u) => u.name === p.name)?.updated_at.toISOString() ?? null,
        writer: writers.has(p.name),
        rebuild: rebuild && rebuild.status !== 'done' ? `${rebuild.status}${next ? ` at ${formatPosition(next.position)}` : ''}` : null,
        needsRebuild: live !== undefined && live.version < p.version,
      };
    }),
  };
}
