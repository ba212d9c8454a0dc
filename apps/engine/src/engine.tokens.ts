/** Injection tokens of the engine (the shared ones are in @relance/platform). */
export const IDENTITY_INDEX = Symbol('IDENTITY_INDEX');
/**
 * A pool whose commits do not wait for the WAL flush, for the bookkeeping a command writes before its
 * append (idempotency claims, purchase and identity reservations) and its idempotency completion. Safe
 * because the append commits durably after them: flushing its WAL flushes theirs. A PostgreSQL crash
 * can lose at most a completion, and a retry then finds the command's events by their seed.
 */
export const BOOKKEEPING_POOL = Symbol('BOOKKEEPING_POOL');
