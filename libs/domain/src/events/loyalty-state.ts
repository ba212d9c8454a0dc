import { z } from 'zod';
import { Cents, Id, Instant } from './primitives.js';

// Shapes shared by events and by the customer decider's state (a merge transfers them as they are).

/** Points earned together, burnt first-expiring-first. */
export const PointsLot = z
  .object({
    lotId: z.string().min(1).max(200),
    remaining: z.number().int().min(0),
    earnedAt: Instant,
    expiresAt: Instant.nullable(),
  })
  .strict();
export type PointsLot = z.infer<typeof PointsLot>;

/** A debit of points from one lot. */
export const LotDebit = z.object({ lotId: z.string().min(1).max(200), points: z.number().int().min(1) }).strict();
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
          quantity: z.number().int().min(1),
          totalCents: Cents,
          /** Points basis of the line (its amount times its category multiplier), 0 for promo lines. */
          basisCents: z.number().int().min(0),
          refundedQuantity: z.number().int().min(0),
          refundedCents: Cents,
        })
        .strict(),
    ),
    pointsEarned: z.number().int().min(0),
    pointsTakenBack: z.number().int().min(0),
    lotId: z.string().nullable(),
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
