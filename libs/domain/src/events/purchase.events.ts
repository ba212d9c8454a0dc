import { z } from 'zod';
import { CurrencyCode } from './currency.js';
import { LIMITS } from './limits.js';
import { Cents, Id, Instant, StorableText } from './primitives.js';

export const PURCHASE_CHANNELS = ['pos', 'web', 'shopify', 'woocommerce', 'import'] as const;
export const PurchaseChannel = z.enum(PURCHASE_CHANNELS);

export const PurchaseLine = z
  .object({
    lineNo: z.number().int().min(1).max(LIMITS.linesPerPurchase),
    sku: StorableText.min(1).max(64),
    name: StorableText.min(1).max(200),
    category: StorableText.min(1).max(64).nullable(),
    quantity: z.number().int().min(1).max(LIMITS.quantityPerLine),
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
    externalRef: StorableText.min(1).max(128).nullable(),
    channel: PurchaseChannel,
    /** The merchant's currency: every amount here is in its minor unit. */
    currency: CurrencyCode,
    lines: z.array(PurchaseLine).min(1).max(LIMITS.linesPerPurchase),
    totalCents: Cents,
    /** Rewards (issued vouchers) used on this ticket. */
    rewardIdsUsed: z.array(Id).max(LIMITS.rewardsUsedPerPurchase),
    purchasedAt: Instant,
  })
  .strict();

export const RefundedLine = z
  .object({
    lineNo: z.number().int().min(1).max(LIMITS.linesPerPurchase),
    quantity: z.number().int().min(0).max(LIMITS.quantityPerLine),
    amountCents: Cents,
  })
  .strict();

export const PurchaseRefunded = z
  .object({
    purchaseId: Id,
    refundId: Id,
    customerId: Id.nullable(),
    storeId: Id,
    /** The purchase's currency (the merchant's): every amount here is in its minor unit. */
    currency: CurrencyCode,
    lines: z.array(RefundedLine).min(1).max(LIMITS.linesPerPurchase),
    amountCents: Cents,
    reason: StorableText.max(200).nullable(),
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
    eventName: StorableText.min(1).max(200).nullable(),
    visitedAt: Instant,
  })
  .strict();
