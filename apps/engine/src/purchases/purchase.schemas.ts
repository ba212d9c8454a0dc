import { z } from 'zod';
import { Cents, CurrencyCode, Id, LIMITS, PurchaseChannel, StorableText } from '@relance/domain';
import { Instant } from '../customers/customer.schemas.js';
import { LoyaltyOutcomeSchema } from '../write-path/loyalty-outcome.js';

export const PurchaseLineInput = z.strictObject({
  sku: StorableText.trim().min(1).max(64),
  name: StorableText.trim().min(1).max(200),
  category: StorableText.trim().min(1).max(64).nullable().optional(),
  quantity: z.int().min(1).max(LIMITS.quantityPerLine),
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
    externalRef: StorableText.min(1).max(128).optional(),
    channel: PurchaseChannel.default('pos'),
    /** The merchant's currency (merchant.yaml): an amount in any other is refused. */
    currency: CurrencyCode,
    lines: z.array(PurchaseLineInput).min(1).max(LIMITS.linesPerPurchase),
    /** Issued rewards (vouchers) used on this ticket. */
    rewardIdsUsed: z.array(Id).max(LIMITS.rewardsUsedPerPurchase).default([]),
    purchasedAt: Instant,
    /** Optional check: when given, must be the sum of the line totals. */
    totalCents: Cents.optional(),
  })
  .superRefine((body, ctx) => {
    // Each field may be in range and their product not: a line total and the ticket total are amounts
    // too. Only lines whose own fields are in range are summed (the others are already named).
    const fieldsInRange = (line: (typeof body.lines)[number]) =>
      line.quantity <= LIMITS.quantityPerLine && [line.unitPriceCents, line.discountCents].every((c) => c >= 0 && c <= LIMITS.amountCents);
    let sum = 0;
    let linesInRange = true;
    body.lines.forEach((line, i) => {
      if (!fieldsInRange(line)) {
        linesInRange = false;
        return;
      }
      const total = line.quantity * line.unitPriceCents - line.discountCents;
      if (total < 0) ctx.addIssue({ code: 'custom', path: ['lines', i, 'discountCents'], message: 'larger than quantity × unitPriceCents' });
      if (total > LIMITS.amountCents) {
        ctx.addIssue({ code: 'custom', path: ['lines', i], message: `line total ${total} cents (quantity × unitPriceCents − discountCents) is above the limit of ${LIMITS.amountCents}` });
        linesInRange = false;
      }
      sum += total;
    });
    if (linesInRange && sum > LIMITS.amountCents) {
      ctx.addIssue({ code: 'custom', path: ['lines'], message: `purchase total ${sum} cents is above the limit of ${LIMITS.amountCents}` });
    }
    if (body.totalCents !== undefined && body.totalCents !== sum) {
      ctx.addIssue({ code: 'custom', path: ['totalCents'], message: `${body.totalCents} is not the sum of the line totals (${sum})` });
    }
  });
export type RecordPurchaseBody = z.infer<typeof RecordPurchaseBody>;

export const RefundBody = z.strictObject({
  refundId: Id.optional(),
  /** Omitted: everything not yet refunded. */
  lines: z
    .array(z.strictObject({ lineNo: z.int().min(1).max(LIMITS.linesPerPurchase), quantity: z.int().min(1).max(LIMITS.quantityPerLine) }))
    .min(1)
    .max(LIMITS.linesPerPurchase)
    .optional(),
  storeId: Id,
  reason: StorableText.max(200).optional(),
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
