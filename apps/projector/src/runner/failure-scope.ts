/**
 * What a failure stops.
 * - `transient`: the database or the connection, not the events (server down, connection lost,
 *   deadlock, lock or statement timeout, out of resources): the batch is retried as a whole.
 * - `projection`: the projection itself, whatever the event (its SQL names a missing table or column,
 *   lacks a privilege, hits an internal error): that projection stops at its checkpoint, the others go on.
 * - `event`: what an event carries (a value its column cannot hold, a text PostgreSQL cannot store, a
 *   constraint, a projection that throws on it): only that event's merchant stops, for that projection.
 */
export type FailureScope = 'transient' | 'projection' | 'event';

/** Thrown by the runner around a projection's `apply` (pure code: only the events can make it throw). */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
  constructor(readonly projection: string, cause: unknown) {
    super(`${projection}.apply threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export function failureScope(error: unknown): FailureScope {
  if (error instanceof ApplyError) return 'event';
  const code = sqlState(error);
  // Not an answer of the server (a lost socket, an ended pool, a timeout of the driver).
  if (code === null) return 'transient';
  // A text the protocol cannot carry (a NUL inside a string) is the event's.
  if (code === '08P01') return 'event';
  const kind = code.slice(0, 2);
  if (['08', '40', '53', '57', '25', 'HV'].includes(kind) || code === '55P03' || code === '55006') return 'transient';
  // Data exceptions, constraint violations, cardinality (a row touched twice), program limits (an
  // index row too large), and what a trigger raises: all depend on the values written.
  if (['22', '23', '21', '54', 'P0'].includes(kind)) return 'event';
  return 'projection';
}

/** The SQLSTATE of an error the server sent, null for anything else. */
function sqlState(error: unknown): string | null {
  const e = error as { code?: unknown; severity?: unknown };
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string' ? e.code : null;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
