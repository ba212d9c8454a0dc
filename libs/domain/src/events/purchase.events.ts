import { z } from 'zod';
import { Cents, Id, Instant } from './primitives.js';

export const PURCHASE_CHANNELS = ['pos', 'web', 'shopify', 'woocommerce', 'import'] as const;
export const PurchaseChannel = z.enum(PURCHASE_CHANNELS);

export const PurchaseLine = z
  .object({
    lineNo: z.number().int().min(1).max(1000),
    sku: z.string().min(1).max(64),
    name: z.string().min(1).max(200),
    category: z.string().min(1).max(64).nullable(),
    quantity: z.number().int().min(1).max(100_000),
    unitPriceCents: Cents,
    discountCents: Cents,
    /** Sold under a promotion: promotions and points do not add up. */
    promo: z.boolean(),
    /** quantity × unitPriceCents − discountCents. */
    totalCents: Cents,
  })
  .strict();
export type PurchaseLine = z.infer<typeof PurchaseLine>;

/** A sale. `customerId` is null for an anonymous sale (the POS's "clients divers"). */
export const PurchaseRecorded = z
  .object({
    purchaseId: Id,
    customerId: Id.nullable(),
    storeId: Id,
    externalRef: z.string().min(1).max(128).nullable(),
    channel: PurchaseChannel,
    currency: z.literal('EUR'),
    lines: z.array(PurchaseLine).min(1).max(1000),
    totalCents: Cents,
    /** Rewards (issued vouchers) used on this ticket. */
    rewardIdsUsed: z.array(Id),
    purchasedAt: Instant,
  })
  .strict();

export const RefundedLine = z
  .object({ lineNo: z.number().int().min(1), quantity: z.number().int().min(0), amountCents: Cents })
  .strict();

export const PurchaseRefunded = z
  .object({
    purchaseId: Id,
    refundId: Id,
    customerId: Id.nullable(),
    storeId: Id,
    lines: z.array(RefundedLine).min(1),
    amountCents: Cents,
    reason: z.string().max(200).nullable(),
    refundedAt: Instant,
  })
  .strict();

export const VISIT_KINDS = ['store', 'tasting', 'web'] as const;
export const VisitKind = z.enum(VISIT_KINDS);

export const VisitRecorded = z
  .object({
    visitId: Id,
    customerId: Id,
    storeId: Id.nullable(),
    kind: VisitKind,
    /** For a tasting or an event, its name. */
    eventName: z.string().min(1).max(200).nullable(),
    visitedAt: Instant,
  })
  .strict();
