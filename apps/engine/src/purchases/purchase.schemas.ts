import { z } from 'zod';
import { Cents, Id, PurchaseChannel } from '@relance/domain';
import { Instant } from '../customers/customer.schemas.js';
import { LoyaltyOutcomeSchema } from '../commands/loyalty-outcome.js';

export const PurchaseLineInput = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  category: z.string().trim().min(1).max(64).nullable().optional(),
  quantity: z.int().min(1).max(100_000),
  unitPriceCents: Cents,
  /** Discount on the whole line, in cents. */
  discountCents: Cents.default(0),
  /** Sold under a promotion: with the usual program, promo lines earn no points. */
  promo: z.boolean().default(false),
});

export const RecordPurchaseBody = z
  .strictObject({
    /** The ticket's id; omitted, the engine assigns one (the same on a retry with the same Idempotency-Key). */
    purchaseId: Id.optional(),
    /** Omitted or null: an anonymous sale ("clients divers"), kept apart and earning nothing. */
    customerId: Id.nullable().optional(),
    storeId: Id,
    externalRef: z.string().min(1).max(128).optional(),
    channel: PurchaseChannel.default('pos'),
    currency: z.literal('EUR', { error: 'only EUR is accepted' }),
    lines: z.array(PurchaseLineInput).min(1).max(1000),
    /** Issued rewards (vouchers) used on this ticket. */
    rewardIdsUsed: z.array(Id).max(50).default([]),
    purchasedAt: Instant,
    /** Optional check: when given, must be the sum of the line totals. */
    totalCents: Cents.optional(),
  })
  .superRefine((body, ctx) => {
    let sum = 0;
    body.lines.forEach((line, i) => {
      const total = line.quantity * line.unitPriceCents - line.discountCents;
      if (total < 0) ctx.addIssue({ code: 'custom', path: ['lines', i, 'discountCents'], message: 'larger than quantity × unitPriceCents' });
      sum += total;
    });
    if (body.totalCents !== undefined && body.totalCents !== sum) {
      ctx.addIssue({ code: 'custom', path: ['totalCents'], message: `${body.totalCents} is not the sum of the line totals (${sum})` });
    }
  });
export type RecordPurchaseBody = z.infer<typeof RecordPurchaseBody>;

export const RefundBody = z.strictObject({
  refundId: Id.optional(),
  /** Omitted: everything not yet refunded. */
  lines: z
    .array(z.strictObject({ lineNo: z.int().min(1), quantity: z.int().min(1) }))
    .min(1)
    .optional(),
  storeId: Id,
  reason: z.string().max(200).optional(),
  refundedAt: Instant.optional(),
});
export type RefundBody = z.infer<typeof RefundBody>;

export const PurchaseParams = z.strictObject({ purchaseId: Id });

export const PurchaseResultSchema = LoyaltyOutcomeSchema.extend({
  purchaseId: z.string(),
  customerId: z.string().nullable(),
  totalCents: z.int(),
  balance: z.int().nullable(),
});

export const RefundResultSchema = LoyaltyOutcomeSchema.extend({
  purchaseId: z.string(),
  refundId: z.string(),
  customerId: z.string().nullable(),
  amountCents: z.int(),
  balance: z.int().nullable(),
});
