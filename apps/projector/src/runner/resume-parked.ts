import { comparePositions, type EventStore, type LogPosition } from '@relance/event-store';
import { sql } from '@relance/platform';
import type pg from 'pg';
import type { Projection, ProjectedEvent } from '../projection.js';
import { handles, merchantOf, ConcurrentWriterError } from './apply-batch.js';
import { advanceParked, type FailedEvent, type ParkedPart } from './failures.js';
import { applyGroup } from './isolate.js';
import type { ProfileOpener } from './profile-opener.js';
import type { ContextFactory } from './projection-context.js';

export interface ResumeInput {
  readonly client: pg.PoolClient;
  readonly store: EventStore;
  readonly projection: Projection;
  readonly part: ParkedPart;
  /** The projection's checkpoint: the part has caught up once it gets there. */
  readonly checkpoint: LogPosition;
  readonly profiles: ProfileOpener;
  readonly contexts: ContextFactory;
  readonly batchSize: number;
}

export type ResumeOutcome =
  | { readonly kind: 'caught-up'; readonly applied: number }
  | { readonly kind: 'failed'; readonly applied: number; readonly position: LogPosition; readonly event: FailedEvent; readonly error: unknown };

/**
 * Applies a parked merchant's events of one projection, in log order, from where it stopped up to the
 * projection's checkpoint (the events after that are the projection's own to apply once the part is
 * back). Page by page, each in one transaction that also moves the parked row, so that a crash or a
 * new failure keeps what was applied and nothing twice. Runs between batches, on the connection that
 * holds the projection's lock: the checkpoint cannot move meanwhile.
 */
export async function resumeParked(input: ResumeInput): Promise<ResumeOutcome> {
  const { client, projection, part, checkpoint } = input;
  let position = part.position;
  let applied = 0;
  for (;;) {
    const slice = await input.store.readAll({ after: position, maxCount: input.batchSize });
    const inRange = (slice.events as unknown as ProjectedEvent[]).filter((e) => comparePositions(e.position, checkpoint) <= 0);
    const done = slice.isEnd || inRange.length < slice.events.length || comparePositions(slice.next, checkpoint) >= 0;
    const end = done ? checkpoint : slice.next;
    const mine = inRange.filter((e) => merchantOf(e) === part.merchantId && handles(projection, e.type));
    const profiles = await input.profiles.open(projection.opensProfiles ? mine : []);
    const context = input.contexts.forBatch(profiles);

    await client.query('BEGIN');
    try {
      const outcome = mine.length > 0 ? await applyGroup(client, projection, mine, context) : ({ kind: 'applied' } as const);
      const reached = outcome.kind === 'applied' ? end : outcome.appliedUpTo;
      const count = outcome.kind === 'applied' ? mine.length : outcome.appliedUpTo ? mine.indexOf(outcome.event) : 0;
      if (reached) {
        const move = advanceParked(projection.name, part.merchantId, position, reached, outcome.kind === 'applied' && done);
        if ((await client.query(move)).rowCount !== 1) throw new ConcurrentWriterError(`Parked part ${projection.name}/${part.merchantId} moved by another writer`);
        if (count > 0) {
          await client.query(sql`UPDATE projection_checkpoints SET events_processed = events_processed + ${count} WHERE name = ${projection.name}`);
        }
      }
      await client.query('COMMIT');
      applied += count;
      if (outcome.kind === 'failed') {
        const event = { eventId: outcome.event.metadata.eventId, type: outcome.event.type, position: outcome.event.position };
        return { kind: 'failed', applied, position: reached ?? position, event, error: outcome.error };
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    if (done) return { kind: 'caught-up', applied };
    position = end;
  }
}
