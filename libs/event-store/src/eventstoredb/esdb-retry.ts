/** The server closed a subscription without an error; a catch-up subscription never ends by itself. */
export class SubscriptionEndedError extends Error {
  override readonly name = 'SubscriptionEndedError';
  constructor() {
    super('EventStoreDB ended the subscription');
  }
}

// Client error types (ErrorType values) worth a new connection: the server or the network, not us.
// 'timeout' is how a subscriber that reads too slowly is dropped (gRPC ABORTED, "consumer too slow");
// 'unknown' is what the client makes of gRPC statuses it does not map (INTERNAL, RESOURCE_EXHAUSTED).
const TRANSIENT_TYPES = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'not-leader', 'cancelled', 'unknown']);
// gRPC status codes, for errors the client did not convert: CANCELLED, DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE.
const TRANSIENT_CODES = new Set([1, 4, 8, 10, 13, 14]);

export function isTransientError(error: unknown): boolean {
  if (error instanceof SubscriptionEndedError) return true;
  if (!(error instanceof Error)) return false;
  const { type, code } = error as { type?: unknown; code?: unknown };
  if (typeof type === 'string') return TRANSIENT_TYPES.has(type);
  if (typeof code === 'number') return TRANSIENT_CODES.has(code);
  // The gRPC stream went away under the subscription without saying why.
  return code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** Consecutive failures with nothing delivered in between before the subscription gives up. */
export const MAX_CONSECUTIVE_FAILURES = 10;

/** 100 ms, doubling, at most 5 s: about 30 s of trying before MAX_CONSECUTIVE_FAILURES. */
export function backoffMs(failures: number): number {
  return Math.min(100 * 2 ** Math.max(0, failures - 1), 5_000);
}
