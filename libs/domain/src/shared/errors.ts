/**
 * A business rule refused a command. The shell maps `code` to a response (HTTP 404, 409 or 422,
 * a CLI message…); `details` says what the caller needs to fix or retry.
 */
export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export const DOMAIN_ERROR_CODES = {
  /** The customer stream does not exist. → 404 */
  'customer-not-found': 'not-found',
  /** Enrolment of an id that is already enrolled. → 409 */
  'customer-already-enrolled': 'conflict',
  /** The customer was merged into another (details.survivorId). → 409 */
  'customer-merged': 'conflict',
  'customer-erased': 'gone',
  /** Same purchase id recorded before. → 409 */
  'purchase-already-recorded': 'conflict',
  'purchase-not-found': 'not-found',
  /** A refund larger than what is left to refund. → 422 */
  'refund-exceeds-purchase': 'unprocessable',
  'refund-already-recorded': 'conflict',
  /** A refund dated after the purchase's refund window (details.closedAt), or of a purchase past it. → 422 */
  'refund-window-closed': 'unprocessable',
  'visit-already-recorded': 'conflict',
  /** Not enough points for the reward (details.balance, details.required). → 422 */
  'insufficient-points': 'unprocessable',
  /** Points beyond LIMITS: more than one movement may hold, or more than a customer may hold. → 422 */
  'points-limit-exceeded': 'unprocessable',
  'unknown-reward': 'unprocessable',
  'reward-not-usable': 'unprocessable',
  'redemption-already-recorded': 'conflict',
  /** Same support adjustment id twice. → 409 */
  'adjustment-already-recorded': 'conflict',
  'merge-not-allowed': 'unprocessable',
  'invalid-command': 'unprocessable',
} as const;

export type DomainErrorCode = keyof typeof DOMAIN_ERROR_CODES;
export type DomainErrorKind = (typeof DOMAIN_ERROR_CODES)[DomainErrorCode];

export function errorKind(error: DomainError): DomainErrorKind {
  return DOMAIN_ERROR_CODES[error.code];
}
