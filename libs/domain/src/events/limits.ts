/**
 * The engine's limits: one set of numbers, defined here only. The event catalog enforces them on
 * every event before it is appended, the request schemas (HTTP API, webhooks, CSV import) refuse
 * what is beyond them with the field's path, and the deciders refuse what a command would decide
 * beyond them. The read models are sized for them: every amount in cents and every points figure is a
 * `bigint` column, so that sums over any number of events hold, and no single value exceeds 2^53
 * (JavaScript's exact integers), so that the engine's own arithmetic stays exact.
 */
export const LIMITS = {
  /**
   * Any single amount, in cents: a unit price, a discount, a line total, a purchase total, a refund,
   * a reward's value, a message's cost, a tier threshold. 10,000,000.00 €.
   */
  amountCents: 1_000_000_000,
  linesPerPurchase: 1_000,
  quantityPerLine: 100_000,
  rewardsUsedPerPurchase: 50,
  /** One movement of points (earned, redeemed, expired, adjusted, a lot, a bonus). */
  pointsPerMovement: 1_000_000_000,
  /** One correction by support staff (AdjustPoints), either way. */
  adjustmentPoints: 1_000_000,
  /**
   * A customer's points (what their lots hold, and a debt): earning beyond it is refused. Far above
   * any real balance and below 2^53, so that sums of lots stay exact.
   */
  balancePoints: 1_000_000_000_000_000,
  /** A sum of amounts decided by the engine (rolling spend over a tier window): exact in JavaScript. */
  spendCents: Number.MAX_SAFE_INTEGER,
  /** Units of one message (SMS segments). */
  messageUnits: 1_000,
  /**
   * Business instants (a purchase, a refund, a visit, a consent given or withdrawn) from this one on,
   * and at most `futureToleranceMs` after the engine's clock (clocks of tills drift).
   */
  earliestBusinessInstant: '1970-01-01T00:00:00.000Z',
  futureToleranceMs: 24 * 3600 * 1000,
  /** Birth dates from this day to the merchant's today. */
  earliestBirthDate: '1900-01-01',
  /**
   * Any instant an event carries (decided ones too: an expiry, a tier guarantee, a window start), as
   * four-digit years from 1900: PostgreSQL and JavaScript's calendar arithmetic agree on all of them
   * (JavaScript reads years 0–99 as 1900–1999).
   */
  earliestInstant: '1900-01-01T00:00:00.000Z',
  latestInstant: '9999-12-31T23:59:59.999Z',
} as const;

const EARLIEST_BUSINESS_MS = Date.parse(LIMITS.earliestBusinessInstant);

/**
 * Why a business instant is out of range as of `now` (both ISO-8601), or null when it is in range.
 * The message is for the caller: it says what range is accepted.
 */
export function businessInstantProblem(instant: string, now: string): string | null {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return 'not an instant';
  if (ms < EARLIEST_BUSINESS_MS) return `before ${LIMITS.earliestBusinessInstant}, the earliest date accepted`;
  if (ms > Date.parse(now) + LIMITS.futureToleranceMs) return 'more than a day in the future';
  return null;
}

/** Why a birth date (YYYY-MM-DD) is out of range as of `today` (YYYY-MM-DD), or null. */
export function birthDateProblem(date: string, today: string): string | null {
  if (date < LIMITS.earliestBirthDate) return `before ${LIMITS.earliestBirthDate}, not a plausible birth date`;
  if (date > today) return 'in the future, not a plausible birth date';
  return null;
}
