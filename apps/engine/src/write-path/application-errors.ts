/** One problem with a request, where the caller will look for it: `lines[2].quantity`, `Idempotency-Key`. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** The request is malformed (400): nothing was done. */
export class RequestRejected extends Error {
  override readonly name = 'RequestRejected';
  constructor(
    readonly fields: readonly FieldProblem[],
    readonly error = 'invalid-request',
  ) {
    super(fields.map((f) => `${f.path}: ${f.message}`).join('; '));
  }
}

/** A refusal the engine (not a decider) makes, with its HTTP status and a stable code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly fields: readonly FieldProblem[];
  readonly details?: Readonly<Record<string, unknown>>;
}
