import type { SendOutcome, SendPermanent, SendRetryable } from './channel-adapter.js';

type Headers = Readonly<Record<string, unknown>>;

/**
 * A provider's words with any email address or phone number taken out ("The 'To' number
 * +33612345678 is not valid"): reasons are kept in events and logs, where personal data must not be.
 */
export function withoutPersonalData(text: string): string {
  return text
    .replace(/[^\s<>()"',;:]+@[^\s<>()"',;:]+/g, '<address>')
    .replace(/\+?\d[\d .\-()]{6,}\d/g, (run) => ((run.match(/\d/g)?.length ?? 0) >= 8 ? '<number>' : run));
}

/**
 * The wait a provider asked for, in milliseconds: `Retry-After` (seconds or an HTTP date), else
 * `X-RateLimit-Reset` (SendGrid: the epoch second the window reopens; small values are read as
 * seconds to wait). Null when the response says nothing usable.
 */
export function retryAfterMs(headers: Headers | undefined, now: Date): number | null {
  if (!headers) return null;
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== null) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now.getTime());
  }
  const reset = header(headers, 'x-ratelimit-reset');
  if (reset !== null && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset);
    // An epoch second is in the billions; anything below a year of seconds is a delay.
    return value > 31_536_000 ? Math.max(0, Math.round(value * 1000 - now.getTime())) : Math.round(value * 1000);
  }
  return null;
}

function header(headers: Headers, name: string): string | null {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined || first === null) return null;
    const text = String(first).trim();
    return text === '' ? null : text;
  }
  return null;
}

export interface HttpFailure {
  readonly status: number;
  readonly headers?: Headers;
  readonly code?: string | null;
  readonly reason: string;
}

/**
 * 429 and 5xx are worth another try; every other 4xx is not. A 500, 502 or 504 may hide a request
 * the provider processed; a 503 or 429 says it was not.
 */
export function classifyHttpFailure(
  provider: string,
  messageId: string,
  failure: HttpFailure,
  now: Date,
): SendRetryable | SendPermanent {
  const { status } = failure;
  if (status === 429 || status >= 500) {
    return {
      kind: 'retryable',
      messageId,
      provider,
      code: failure.code ?? String(status),
      reason: withoutPersonalData(failure.reason),
      httpStatus: status,
      retryAfterMs: retryAfterMs(failure.headers, now),
      outcomeUnknown: status === 500 || status === 502 || status === 504,
    };
  }
  return permanent(provider, messageId, failure.code ?? String(status), failure.reason, { httpStatus: status });
}

/** Errors before the request left (refused connection, unknown host) are safe to retry; after, the outcome is unknown. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

export function classifyNetworkError(provider: string, messageId: string, error: unknown): SendRetryable {
  const code = networkCode(error);
  return {
    kind: 'retryable',
    messageId,
    provider,
    code,
    reason: withoutPersonalData(error instanceof Error ? error.message : String(error)),
    httpStatus: null,
    retryAfterMs: null,
    outcomeUnknown: !NOT_SENT.has(code),
  };
}

function networkCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'NETWORK';
}

export function permanent(
  provider: string,
  messageId: string,
  code: string | null,
  reason: string,
  details: { httpStatus?: number | null; optedOut?: boolean; invalidRecipient?: boolean } = {},
): SendPermanent {
  return {
    kind: 'permanent',
    messageId,
    provider,
    code,
    reason: withoutPersonalData(reason),
    httpStatus: details.httpStatus ?? null,
    optedOut: details.optedOut ?? false,
    invalidRecipient: details.invalidRecipient ?? false,
  };
}

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 15 * 60_000 };

/**
 * How long to wait before attempt `attemptsMade + 1` of a retryable outcome: what the provider asked
 * for when it said, else exponential backoff with jitter: uniform between half the base and
 * base × 2^attempts, capped (`random` in [0, 1) comes in, so a BullMQ backoff strategy can call this
 * as it is).
 */
export function nextRetryDelayMs(
  outcome: SendOutcome,
  attemptsMade: number,
  random: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number | null {
  if (outcome.kind !== 'retryable') return null;
  if (outcome.retryAfterMs !== null) return Math.min(Math.max(outcome.retryAfterMs, 0), policy.maxMs);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attemptsMade));
  return Math.round(policy.baseMs / 2 + random * (ceiling - policy.baseMs / 2));
}
