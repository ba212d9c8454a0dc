import type { LogPosition } from '@relance/event-store';
import type { Sql } from '@relance/platform';
import type pg from 'pg';
import type { Projection, ProjectedEvent, ProjectionContext } from '../projection.js';
import { merchantOf, statementsOf, type PreparedPart } from './apply-batch.js';
import { scriptOf } from './batch-script.js';
import { failureScope, messageOf, type FailureScope } from './failure-scope.js';
import type { FailedEvent } from './failures.js';

/**
 * Applying what failed as a whole, in pieces, inside the caller's transaction: a projection's part of a
 * batch, then each merchant's events of it, then (for the merchant that fails) each event, so that the
 * failure is pinned to one event and stops only that merchant's part of that projection. Savepoints
 * undo each failed piece. A failure of the database itself (see failure-scope.ts) is thrown: the
 * caller's transaction is lost with it, and the batch is retried whole.
 */

/** A merchant's part to park: applied up to `position`, stopped at `event`. */
export interface NewPark {
  readonly merchantId: string;
  readonly position: LogPosition;
  readonly event: FailedEvent;
  readonly error: string;
}

export type PartOutcome = { readonly kind: 'applied'; readonly parks: readonly NewPark[] } | { readonly kind: 'stalled'; readonly error: unknown };

export type GroupOutcome =
  | { readonly kind: 'applied' }
  | {
      readonly kind: 'failed';
      readonly scope: Exclude<FailureScope, 'transient'>;
      readonly error: unknown;
      readonly event: ProjectedEvent;
      /** The last event applied before the failing one (they are kept), null when it was the first. */
      readonly appliedUpTo: LogPosition | null;
    };

/** A projection's part of a batch, merchant by merchant when it fails as a whole. */
export async function applyPartIsolated(client: pg.PoolClient, part: PreparedPart, context: ProjectionContext): Promise<PartOutcome> {
  const whole = part.applyError ?? (await attempt(client, 'relance_part', () => run(client, part.statements)));
  if (whole === null) return { kind: 'applied', parks: [] };
  if (failureScope(whole) === 'projection') return { kind: 'stalled', error: whole };
  // A failure of the projection itself may only show on some merchant's events: everything applied
  // merchant by merchant is undone then, so that the projection stops at its checkpoint as a whole.
  await client.query('SAVEPOINT relance_merchants');
  const parks: NewPark[] = [];
  for (const [merchantId, events] of byMerchant(part.events)) {
    const outcome = await applyGroup(client, part.projection, events, context);
    if (outcome.kind === 'applied') continue;
    if (outcome.scope === 'projection') {
      await client.query('ROLLBACK TO SAVEPOINT relance_merchants; RELEASE SAVEPOINT relance_merchants');
      return { kind: 'stalled', error: outcome.error };
    }
    parks.push({
      merchantId,
      position: outcome.appliedUpTo ?? part.move.from,
      event: { eventId: outcome.event.metadata.eventId, type: outcome.event.type, position: outcome.event.position },
      error: messageOf(outcome.error),
    });
  }
  await client.query('RELEASE SAVEPOINT relance_merchants');
  return { kind: 'applied', parks };
}

/**
 * One merchant's events of a projection (in log order). When they fail together, each is applied on
 * its own until the one that fails: those before it stay applied, so the part resumes right there.
 */
export async function applyGroup(client: pg.PoolClient, projection: Projection, events: readonly ProjectedEvent[], context: ProjectionContext): Promise<GroupOutcome> {
  const together = await attempt(client, 'relance_group', () => run(client, statementsOf(projection, events, context)));
  if (together === null) return { kind: 'applied' };
  const scope = failureScope(together);
  if (scope === 'transient') throw together;
  for (let i = 0; i < events.length; i++) {
    const error = await attempt(client, 'relance_event', () => run(client, statementsOf(projection, [events[i]!], context)));
    if (error === null) continue;
    const alone = failureScope(error);
    if (alone === 'transient') throw error;
    return { kind: 'failed', scope: alone, error, event: events[i]!, appliedUpTo: i > 0 ? events[i - 1]!.position : null };
  }
  // Each event applies on its own although they failed together: applied that way, in order.
  return { kind: 'applied' };
}

/** The events grouped by merchant, each group in log order, groups in order of first appearance. */
export function byMerchant(events: readonly ProjectedEvent[]): Map<string, ProjectedEvent[]> {
  const groups = new Map<string, ProjectedEvent[]>();
  for (const event of events) {
    const merchant = merchantOf(event);
    let group = groups.get(merchant);
    if (!group) groups.set(merchant, (group = []));
    group.push(event);
  }
  return groups;
}

async function run(client: pg.PoolClient, statements: readonly Sql[]): Promise<void> {
  if (statements.length > 0) await client.query(scriptOf(statements));
}

/**
 * Runs `work` under a savepoint: null when it went through, else its error (the savepoint rolled
 * back). The savepoint is its own round trip: a script the server refuses before running it (a NUL
 * in its text) must not take the savepoint down with it. A failure of the connection is thrown.
 */
async function attempt(client: pg.PoolClient, name: string, work: () => Promise<void>): Promise<unknown> {
  await client.query(`SAVEPOINT ${name}`);
  try {
    await work();
  } catch (error) {
    if (failureScope(error) === 'transient') throw error;
    await client.query(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
    return error;
  }
  await client.query(`RELEASE SAVEPOINT ${name}`);
  return null;
}
