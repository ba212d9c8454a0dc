import { comparePositions, type LogPosition, type SubscriptionBatch } from '@relance/event-store';
import type { Sql } from '@relance/platform';
import type pg from 'pg';
import type { Projection, ProjectedEvent, ProjectionContext } from '../projection.js';
import { moveCheckpoints, type CheckpointMove, type CheckpointTable } from './checkpoints.js';
import type { ProfileOpener } from './profile-opener.js';
import type { ContextFactory } from './projection-context.js';
import { scriptOf } from './batch-script.js';
import { ApplyError } from './failure-scope.js';

export class ConcurrentWriterError extends Error {
  override readonly name = 'ConcurrentWriterError';
}

export interface BatchInput {
  readonly batch: SubscriptionBatch;
  readonly projections: readonly {
    projection: Projection;
    checkpointName: string;
    checkpoint: LogPosition;
    /** Merchants whose part of this projection is parked: their events wait (see failures.ts). */
    parked?: ReadonlySet<string>;
  }[];
  readonly profiles: ProfileOpener;
  readonly contexts: ContextFactory;
}

/** One projection's share of a batch: its statements and its checkpoint move, which commit together. */
export interface PreparedPart {
  readonly projection: Projection;
  readonly move: CheckpointMove;
  readonly statements: readonly Sql[];
  /** The events the statements apply, kept to apply them merchant by merchant if the part fails. */
  readonly events: readonly ProjectedEvent[];
  /** `apply` threw on the part as a whole (an ApplyError): there are no statements. */
  readonly applyError?: ApplyError;
}

/** A batch turned into SQL, ready to commit. */
export interface PreparedBatch {
  readonly parts: readonly PreparedPart[];
  /** The projections whose checkpoint the batch moves, with how many events each applies. */
  readonly applied: readonly { projection: Projection; events: number }[];
  /** The context the statements were made with (opened profiles, local dates, tables). */
  readonly context: ProjectionContext;
}

/** The merchant an event belongs to: what projections key their rows by, hence the unit a failure stops. */
export function merchantOf(event: ProjectedEvent): string {
  return typeof event.metadata?.merchantId === 'string' ? event.metadata.merchantId : '';
}

/** A projection's statements for these events; what `apply` throws becomes an ApplyError. */
export function statementsOf(projection: Projection, events: readonly ProjectedEvent[], context: ProjectionContext): Sql[] {
  if (events.length === 0) return [];
  try {
    return projection.apply(events, ownTables(projection, context));
  } catch (error) {
    throw new ApplyError(projection.name, error);
  }
}

export class UndeclaredTableError extends Error {
  override readonly name = 'UndeclaredTableError';
}

/**
 * The context a projection gets: `table()` answers only the tables it declares. A projection's parts
 * commit separately, each with its own checkpoint, and a rebuild builds and swaps only the declared
 * tables: writing another projection's table would break both.
 */
export function ownTables(projection: Projection, context: ProjectionContext): ProjectionContext {
  return {
    ...context,
    table: (name) => {
      if (!projection.tables.includes(name)) {
        throw new UndeclaredTableError(`Projection ${projection.name} uses table ${name}, which it does not declare (its tables: ${projection.tables.join(', ')})`);
      }
      return context.table(name);
    },
  };
}

const handledTypes = new WeakMap<Projection, Set<string>>();
export function handles(p: Projection, type: string): boolean {
  let types = handledTypes.get(p);
  if (!types) handledTypes.set(p, (types = new Set(p.handles)));
  return types.has(type);
}

/** Every projection's statements for the events after its checkpoint (the profiles opened first). */
export async function prepareBatch(input: BatchInput): Promise<PreparedBatch> {
  const { batch } = input;
  const moves: CheckpointMove[] = [];
  const work: { projection: Projection; events: ProjectedEvent[] }[] = [];
  for (const { projection, checkpointName, checkpoint, parked } of input.projections) {
    // At or before the checkpoint: already applied (a subscription delivers at least once).
    if (comparePositions(batch.checkpoint, checkpoint) <= 0) continue;
    const events = (batch.events as unknown as ProjectedEvent[]).filter(
      (e) => comparePositions(e.position, checkpoint) > 0 && handles(projection, e.type) && !(parked?.size && parked.has(merchantOf(e))),
    );
    moves.push({ name: checkpointName, from: checkpoint, to: batch.checkpoint, events: events.length });
    work.push({ projection, events });
  }
  const profiles = await input.profiles.open(work.flatMap((w) => (w.projection.opensProfiles ? w.events : [])));
  const context = input.contexts.forBatch(profiles);
  if (moves.length === 0) return { parts: [], applied: [], context };
  const parts = work.map((w, i): PreparedPart => {
    const base = { projection: w.projection, move: moves[i]!, events: w.events };
    try {
      return { ...base, statements: statementsOf(w.projection, w.events, context) };
    } catch (error) {
      return { ...base, statements: [], applyError: error as ApplyError };
    }
  });
  return { parts, applied: work.map((w) => ({ projection: w.projection, events: w.events.length })), context };
}

/**
 * One batch, one transaction: the statements, then the checkpoints, on the connection that holds the
 * projections' locks. A checkpoint that is not where the writer read it rolls everything back. The
 * statements and the checkpoint move travel as one script (batch-script.ts); COMMIT follows once the
 * move is checked.
 */
export async function commitBatch(client: pg.PoolClient, prepared: PreparedBatch, table: CheckpointTable = 'projection_checkpoints'): Promise<void> {
  await commitParts(client, prepared.parts, table);
}

/** Some projections' parts of a batch in one transaction, with their checkpoints (see commitBatch). */
export async function commitParts(client: pg.PoolClient, parts: readonly PreparedPart[], table: CheckpointTable): Promise<void> {
  if (parts.length === 0) return;
  const failed = parts.find((p) => p.applyError);
  if (failed) throw failed.applyError;
  const moves = parts.map((p) => p.move);
  const move = moveCheckpoints(moves, table);
  const statements = parts.flatMap((p) => p.statements);
  const script = `BEGIN;\n${scriptOf([...statements, { text: `WITH moved AS (${move.text}) SELECT count(*)::int AS moved FROM moved`, values: move.values }])}`;
  try {
    const results = (await client.query(script)) as unknown as pg.QueryResult<{ moved: number }>[];
    const moved = results[results.length - 1]!.rows[0]!.moved;
    if (moved !== moves.length) {
      throw new ConcurrentWriterError(`Checkpoints moved by another writer (${moves.map((m) => m.name).join(', ')}): batch rolled back`);
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

/**
 * Splits a batch's parts into at most `ways` groups of similar weight (largest first, each to the
 * lightest group), to commit on as many connections at once. Each group moves only its own
 * projections' checkpoints, so each stays exactly-once on its own. The weight is the number of values
 * the statements carry, which is what PostgreSQL spends its time parsing and inserting.
 */
export function splitParts(parts: readonly PreparedPart[], ways: number): PreparedPart[][] {
  const groups = Array.from({ length: Math.max(1, Math.min(ways, parts.length)) }, () => ({ weight: 0, parts: [] as PreparedPart[] }));
  const weighed = parts.map((part) => ({ part, weight: weightOf(part) })).sort((a, b) => b.weight - a.weight);
  for (const { part, weight } of weighed) {
    const lightest = groups.reduce((a, b) => (b.weight < a.weight ? b : a));
    lightest.parts.push(part);
    lightest.weight += weight;
  }
  return groups.map((g) => g.parts).filter((g) => g.length > 0);
}

function weightOf(part: PreparedPart): number {
  let weight = 1;
  for (const statement of part.statements) for (const value of statement.values ?? []) weight += Array.isArray(value) ? value.length : 1;
  return weight;
}
