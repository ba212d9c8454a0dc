import { z } from 'zod';
import { LIMITS } from './limits.js';
import { Cents, Id, Instant, Points, PointsHeld, StorableText } from './primitives.js';

// Shapes shared by events and by the customer decider's state (a merge transfers them as they are).

/** Points earned together, burnt first-expiring-first. */
export const PointsLot = z
  .object({
    lotId: StorableText.min(1).max(200),
    remaining: PointsHeld,
    earnedAt: Instant,
    expiresAt: Instant.nullable(),
  })
  .strict();
export type PointsLot = z.infer<typeof PointsLot>;

/** A debit of points from one lot. */
export const LotDebit = z.object({ lotId: StorableText.min(1).max(200), points: Points }).strict();
export type LotDebit = z.infer<typeof LotDebit>;

/** What the program remembers of a purchase: enough to refund it and take its points back. */
export const PurchaseRecord = z
  .object({
    purchaseId: Id,
    purchasedAt: Instant,
    totalCents: Cents,
    refundedCents: Cents,
    /** Quantity and amount refunded so far, per line number. */
    lines: z.array(
      z
        .object({
          lineNo: z.number().int().min(1),
          quantity: z.number().int().min(1).max(LIMITS.quantityPerLine),
          totalCents: Cents,
          /** Points basis of the line (its amount times its category multiplier), 0 for promo lines. */
          basisCents: z.number().int().min(0),
          /**
           * Points the line earned by the unit under the program's per-item rules (a count card), apart
           * from its basis; absent when it earned none (and in records written before such rules).
           */
          itemPoints: z.number().int().min(0).max(LIMITS.pointsPerMovement).optional(),
          refundedQuantity: z.number().int().min(0).max(LIMITS.quantityPerLine),
          refundedCents: Cents,
        })
        .strict(),
    ),
    pointsEarned: z.number().int().min(0).max(LIMITS.pointsPerMovement),
    pointsTakenBack: z.number().int().min(0).max(LIMITS.pointsPerMovement),
    lotId: StorableText.nullable(),
  })
  .strict();
export type PurchaseRecord = z.infer<typeof PurchaseRecord>;

export const IssuedReward = z
  .object({
    rewardId: Id,
    rewardCode: Id,
    status: z.enum(['issued', 'redeemed']),
    issuedAt: Instant,
    expiresAt: Instant.nullable(),
  })
  .strict();
export type IssuedReward = z.infer<typeof IssuedReward>;
