import { z } from 'zod';
import { LIMITS } from './limits.js';
import { CurrencyCode } from './currency.js';
import { Cents, Id, Instant, Points, PointsHeld, StorableText } from './primitives.js';
import { LotDebit } from './loyalty-state.js';

/** Everything here is decided once, under the program version in force, and never recomputed. */

export const EARN_REASONS = ['purchase', 'visit', 'bonus', 'challenge'] as const;

export const PointsEarned = z
  .object({
    customerId: Id,
    /** The lot these points form (minus any debt they repay). */
    lotId: StorableText.min(1).max(200),
    points: Points,
    /** Part of `points` that paid back a debt (points taken back after they were spent). */
    debtRepaid: PointsHeld,
    reason: z.enum(EARN_REASONS),
    /** The purchase, visit, campaign or challenge the points come from. */
    sourceId: StorableText.min(1).max(200),
    programVersion: StorableText.min(1),
    /** How the points were computed, for support staff ("why 37 points?"). */
    basis: z.record(StorableText, z.number()),
    earnedAt: Instant,
    expiresAt: Instant.nullable(),
  })
  .strict();

export const PointsRedeemed = z
  .object({
    customerId: Id,
    redemptionId: Id,
    points: Points,
    rewardCode: Id,
    /** The reward this redemption issued. */
    rewardId: Id,
    lots: z.array(LotDebit).min(1),
    redeemedAt: Instant,
  })
  .strict();

export const PointsExpired = z
  .object({
    customerId: Id,
    lotId: StorableText.min(1).max(200),
    points: Points,
    expiredAt: Instant,
  })
  .strict();

/**
 * A correction. Negative: debited from `lots` first-expiring-first; what the lots cannot cover
 * becomes `debtPoints`, repaid by the next points earned. Positive: forms the lot `lotId`.
 */
export const PointsAdjusted = z
  .object({
    customerId: Id,
    adjustmentId: StorableText.min(1).max(200),
    points: z
      .number()
      .int()
      .min(-LIMITS.pointsPerMovement)
      .max(LIMITS.pointsPerMovement)
      .refine((n) => n !== 0, 'must not be zero'),
    reason: z.enum(['refund', 'manual', 'correction']),
    /** The refund (or ticket) behind it. */
    sourceId: StorableText.min(1).max(200).nullable(),
    lots: z.array(LotDebit),
    debtPoints: PointsHeld,
    lotId: StorableText.min(1).max(200).nullable(),
    expiresAt: Instant.nullable(),
    note: StorableText.max(500).nullable(),
    adjustedAt: Instant,
  })
  .strict();

export const TierChanged = z
  .object({
    customerId: Id,
    from: Id.nullable(),
    to: Id,
    direction: z.enum(['up', 'down']),
    /** The merchant's currency, the one of rollingSpendCents. */
    currency: CurrencyCode,
    /** Net spend over the rolling window that decided it. */
    rollingSpendCents: z.number().int().min(-LIMITS.spendCents).max(LIMITS.spendCents),
    windowStart: Instant,
    /** A tier reached is kept at least until then, whatever the spend. */
    guaranteedUntil: Instant.nullable(),
    programVersion: StorableText.min(1),
    changedAt: Instant,
  })
  .strict();

export const RewardIssued = z
  .object({
    customerId: Id,
    rewardId: Id,
    rewardCode: Id,
    name: StorableText.min(1).max(200),
    kind: z.enum(['voucher', 'product', 'experience']),
    /** The merchant's currency, the one of valueCents. */
    currency: CurrencyCode,
    valueCents: Cents.nullable(),
    pointsCost: z.number().int().min(0).max(LIMITS.pointsPerMovement),
    trigger: z.enum(['redemption', 'automatic', 'campaign']),
    programVersion: StorableText.min(1),
    issuedAt: Instant,
    expiresAt: Instant.nullable(),
  })
  .strict();

export const RewardRedeemed = z
  .object({
    customerId: Id,
    rewardId: Id,
    purchaseId: Id.nullable(),
    redeemedAt: Instant,
  })
  .strict();

/**
 * A customer met a challenge ("3 purchases in December") in one of its periods: appended once per
 * (challenge, period), its bonus granted by its own PointsEarned (reason "challenge"). Settled in
 * place before its first writer (no released component appended it) with the period and the progress
 * that met it.
 */
export const ChallengeCompleted = z
  .object({
    customerId: Id,
    /** The campaign that runs the challenge. */
    challengeId: Id,
    /** "2026-12" for a monthly challenge, "2026" for a yearly one, "2026-Q4" for a quarterly one. */
    period: StorableText.min(4).max(20),
    purchases: z.number().int().min(0).max(LIMITS.pointsPerMovement),
    /** The merchant's currency, the one of spendCents. */
    currency: CurrencyCode,
    spendCents: z.number().int().min(0).max(LIMITS.spendCents),
    bonusPoints: z.number().int().min(0).max(LIMITS.pointsPerMovement),
    completedAt: Instant,
  })
  .strict();
