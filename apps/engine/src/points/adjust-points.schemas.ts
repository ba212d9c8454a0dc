import { z } from 'zod';
import { Id, LIMITS, StorableText } from '@relance/domain';

/**
 * A manual points adjustment by an operator: points given (a "dotation", a goodwill gesture) or taken
 * (a correction), never zero, at most LIMITS.adjustmentPoints either way, always with the reason in
 * words: support staff read it later in the customer's history.
 */
export const AdjustPointsBody = z.strictObject({
  /** Omitted, the engine assigns one (the same on a retry with the same Idempotency-Key). */
  adjustmentId: Id.optional(),
  points: z
    .int()
    .min(-LIMITS.adjustmentPoints)
    .max(LIMITS.adjustmentPoints)
    .refine((n) => n !== 0, 'must not be zero'),
  /** `manual`: points given or taken by decision (goodwill, a dotation); `correction`: a mistake put right. */
  kind: z.enum(['manual', 'correction']),
  /** Why, in words: required, kept on the PointsAdjusted event. */
  reason: StorableText.trim().min(1, 'required: say why').max(500),
  /** The ticket, complaint or request behind it. */
  sourceId: StorableText.trim().min(1).max(200).optional(),
});
export type AdjustPointsBody = z.infer<typeof AdjustPointsBody>;

export const AdjustmentResultSchema = z.object({
  customerId: z.string(),
  adjustmentId: z.string(),
  points: z.int(),
  /** Part of a negative adjustment the customer's points did not cover: owed, paid by the next points earned. */
  debtPoints: z.int(),
  balance: z.int(),
  tier: z.string().nullable(),
  rewardsIssued: z.array(z.object({ rewardId: z.string(), rewardCode: z.string(), name: z.string() })),
});
export type AdjustmentResult = z.infer<typeof AdjustmentResultSchema>;
