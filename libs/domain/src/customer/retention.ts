import type { Program } from '../program/program.schema.js';
import { instantMs } from '../shared/instants.js';

const DAY = 86_400_000;

/**
 * How far the stream's clock may be from a future decision's `now`: a ticket may be dated up to a day
 * ahead of the decision that records it, a local day starts up to 14 hours from UTC midnight, and the
 * engines' clocks differ a little. Everything kept is kept this much longer than the rule needs.
 */
const SLACK_DAYS = 4;

/** A visit earns points only if its local date is at most this many days before the decision's. */
export const VISIT_POINTS_DAYS = 30;

/**
 * A reward used or expired this long ago is forgotten (its id stays remembered): a ticket dated
 * while it was still good, synced later than that, can no longer use it.
 */
export const FORGOTTEN_REWARD_DAYS = 30;

/**
 * A purchase stays open this many days past its refund window: a refund dated within the window
 * and reported late (a till that syncs the next day) is still taken.
 */
export const LATE_REFUND_DAYS = 2;

/**
 * What a customer's fold keeps, from the program in force: purchases while they can be refunded, and
 * spend inside the tier window. A state kept under a retention serves any program that asks for no
 * more than it (`covers`); the engine folds again from the stream when the program asks for more.
 */
export interface Retention {
  readonly refundDays: number;
  readonly spendMonths: number;
}

export function retentionOf(program: Program): Retention {
  return { refundDays: program.refunds.windowDays, spendMonths: program.tiers.windowMonths };
}

/** Whether a state kept under `kept` (null: everything) holds all that `needed` asks for. */
export function covers(kept: Retention | null, needed: Retention): boolean {
  return kept === null || (kept.refundDays >= needed.refundDays && kept.spendMonths >= needed.spendMonths);
}

/** The horizons (ms) before which a state kept under `retention` forgets, at the stream's clock. */
export interface Horizons {
  /** Purchases dated before this can no longer be refunded. */
  readonly purchasedBefore: number;
  /** Spend dated before this is outside every future tier window. */
  readonly spentBefore: number;
  /** Earned visits dated before this cannot limit a future visit's points. */
  readonly visitedBefore: number;
  /** Rewards used or expired before this are forgotten. */
  readonly closedBefore: number;
}

export function horizonsAt(clock: number, retention: Retention): Horizons {
  return {
    purchasedBefore: clock - (retention.refundDays + 1 + LATE_REFUND_DAYS + SLACK_DAYS) * DAY,
    // A month is at most 31 days.
    spentBefore: clock - (retention.spendMonths * 31 + SLACK_DAYS) * DAY,
    visitedBefore: clock - (VISIT_POINTS_DAYS + 1 + SLACK_DAYS) * DAY,
    closedBefore: clock - (FORGOTTEN_REWARD_DAYS + SLACK_DAYS) * DAY,
  };
}

/** The stream's clock after an event dated `at`: it only moves forward. */
export function later(clock: number, at: string): number {
  return Math.max(clock, instantMs(at));
}
