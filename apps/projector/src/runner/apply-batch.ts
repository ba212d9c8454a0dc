import { comparePositions, type LogPosition, type SubscriptionBatch } from '@relance/event-store';
import type { Sql } from '@relance/platform';
import type pg from 'pg';
import type { Projection, ProjectedEvent } from '../projection.js';
import { moveCheckpoints, type CheckpointMove, type CheckpointTable } from './checkpoints.js';
import type { ProfileOpener } from './profile-opener.js';
import type { ContextFactory } from './projection-context.js';
import { scriptOf } from './batch-script.js';

export class ConcurrentWriterError extends Error {
  override readonly name = 'ConcurrentWriterError';
}

export interface BatchInput {
  readonly batch: SubscriptionBatch;
  readonly projections: readonly { projection: Projection; checkpointName: string; checkpoint: LogPosition }[];
  readonly profiles: ProfileOpener;
  readonly contexts: ContextFactory;
}

/** A batch turned into SQL, ready to commit. */
export interface PreparedBatch {
  readonly moves: readonly CheckpointMove[];
  readonly statements: readonly Sql[];
  /** The projections whose checkpoint the batch moves, with how many events each applies. */
  readonly applied: readonly { projection: Projection; events: number }[];
}

const handledTypes = new WeakMap<Projection, Set<string>>();
function handles(p: Projection, type: string): boolean {
  let types = handledTypes.get(p);
  if (!types) handledTypes.set(p, (types = new Set(p.handles)));
  return types.has(type);
}

/** Every projection's statements for the events after its checkpoint (the profiles opened first). */
export async function prepareBatch(input: BatchInput): Promise<PreparedBatch> {
  const { batch } = input;
  const moves: CheckpointMove[] = [];
  const work: { projection: Projection; events: ProjectedEvent[] }[] = [];
  for (const { projection, checkpointName, checkpoint } of input.projections) {
    // At or before the checkpoint: already applied (a subscription delivers at least once).
    if (comparePositions(batch.checkpoint, checkpoint) <= 0) continue;
    const events = (batch.events as unknown as ProjectedEvent[]).filter(
      (e) => comparePositions(e.position, checkpoint) > 0 && handles(projection, e.type),
    );
    moves.push({ name: checkpointName, from: checkpoint, to: batch.checkpoint, events: events.length });
    work.push({ projection, events });
  }
  if (moves.length === 0) return { moves, statements: [], applied: [] };
  const profiles = await input.profiles.open(work.flatMap((w) => (w.projection.opensProfiles ? w.events : [])));
  const context = input.contexts.forBatch(profiles);
  const statements = work.flatMap((w) => (w.events.length > 0 ? w.projection.apply(w.events, context) : []));
  return { moves, statements, applied: work.map((w) => ({ projection: w.projection, events: w.events.length })) };
}

/**
 * One batch, one transaction: the statements, then the checkpoints, on the connection that holds the
 * projections' locks. A checkpoint that is not where the writer read it rolls everything back. The
 * statements and the checkpoint move travel as one script (batch-script.ts); COMMIT follows once the
 * move is checked.
 */
export async function commitBatch(client: pg.PoolClient, prepared: PreparedBatch, table: CheckpointTable = 'projection_checkpoints'): Promise<void> {
  if (prepared.moves.length === 0) return;
  const move = moveCheckpoints(prepared.moves, table);
  const script = `BEGIN;\n${scriptOf([...prepared.statements, { text: `WITH moved AS (${move.text}) SELECT count(*)::int AS moved FROM moved`, values: move.values }])}`;
  try {
    const results = (await client.query(script)) as unknown as pg.QueryResult<{ moved: number }>[];
    const moved = results[results.length - 1]!.rows[0]!.moved;
    if (moved !== prepared.moves.length) {
      throw new ConcurrentWriterError(`Checkpoints moved by another writer (${prepared.moves.map((m) => m.name).join(', ')}): batch rolled back`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export async function applyBatch(input: BatchInput & { readonly client: pg.PoolClient }): Promise<PreparedBatch['applied']> {
  const prepared = await prepareBatch(input);
  await commitBatch(input.client, prepared);
  return prepared.applied;
}
