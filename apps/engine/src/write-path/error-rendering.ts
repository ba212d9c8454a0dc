import { HttpException } from '@nestjs/common';
import { DomainError, errorKind, InvalidEventError } from '@relance/domain';
import { WrongExpectedRevisionError } from '@relance/event-store';
import { isDatabaseUnavailable } from '@relance/platform';
import { ApiError, RequestRejected, type ErrorBody } from './application-errors.js';

export interface RenderedError {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** Worth storing for an idempotent retry: the same request would get the same answer. */
  readonly deterministic: boolean;
}

const HTTP_CODES: Record<number, string> = {
  400: 'invalid-request',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'body-too-large',
  415: 'unsupported-media-type',
};

const KIND_STATUS = { 'not-found': 404, conflict: 409, unprocessable: 422, gone: 410 } as const;

/** What a 503 for an unreachable database asks the caller to wait before retrying. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Every error the API can answer, as `{ error, message, fields, details? }` with its status. */
export function renderError(error: unknown): RenderedError {
  if (error instanceof RequestRejected) {
    return rendered(400, { error: error.error, message: error.message, fields: error.fields }, {}, true);
  }
  if (error instanceof DomainError) {
    const path = typeof error.details.path === 'string' ? error.details.path : null;
    const fields = path ? [{ path: path.replace(/\.(\d+)(?=\.|$)/g, '[$1]'), message: error.message }] : [];
    return rendered(KIND_STATUS[errorKind(error)], { error: error.code, message: error.message, fields, details: error.details }, {}, true);
  }
  if (error instanceof ApiError) {
    const body = { error: error.code, message: error.message, fields: [], ...(Object.keys(error.details).length ? { details: error.details } : {}) };
    // An answer that asks to retry later (a purchase id another request holds) is not final: stored,
    // it would be replayed to every retry of the same Idempotency-Key, however long the holder took.
    return rendered(error.status, body, error.headers, error.status < 500 && error.headers['retry-after'] === undefined);
  }
  if (error instanceof WrongExpectedRevisionError) {
    return rendered(409, { error: 'concurrent-update', message: 'The customer changed while this request was decided; retry it', fields: [] }, { 'retry-after': '1' }, false);
  }
  if (error instanceof HttpException) {
    // Fastify's parsing errors reach here wrapped by Nest: they are about the body as a whole.
    const status = error.getStatus();
    const code = HTTP_CODES[status] ?? 'http-error';
    const fields = status === 400 || status === 413 || status === 415 ? [{ path: '(body)', message: error.message }] : [];
    return rendered(status, { error: code, message: error.message, fields }, {}, false);
  }
  if (isDatabaseUnavailable(error)) {
    // A write either committed whole before the outage or not at all: the same request with the same
    // Idempotency-Key, once PostgreSQL is back, records it once or answers what was recorded.
    const message = 'The database is unreachable; retry with the same Idempotency-Key';
    return rendered(503, { error: 'database-unavailable', message, fields: [] }, { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) }, false);
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return rendered(statusCode, { error: 'invalid-request', message: (error as Error).message, fields: [] }, {}, false);
  }
  const message = error instanceof InvalidEventError ? 'The engine decided an event its catalog refuses' : 'Internal error';
  return rendered(500, { error: 'internal', message, fields: [] }, {}, false);
}

function rendered(status: number, body: ErrorBody, headers: Readonly<Record<string, string>>, deterministic: boolean): RenderedError {
  return { status, body, headers, deterministic };
}
