import { z } from 'zod';
import { CurrencyCode } from './currency.js';
import { Cents, Id, Instant } from './primitives.js';

/*
 * Campaign vouchers, on the customer's stream (customer-<merchantId>.<customerId>): a unique,
 * single-use code with an expiry, issued by a campaign's decision and redeemed with a purchase.
 * Settled before their first writer, like the campaign events. The redemption is the one event that
 * links a purchase back to its campaign (there is no separate "offer redeemed" event).
 */

/** Upper-case letters and digits in groups (`CAVE-7KQ2-M9XD`): read out at a till without confusion. */
export const VoucherCode = z.string().regex(/^[A-Z0-9]+(-[A-Z0-9]+)*$/, 'upper-case letters and digits, groups joined by "-"').min(4).max(40);

export const VOUCHER_KINDS = ['amount', 'percent'] as const;

export const VoucherIssued = z
  .object({
    customerId: Id,
    voucherId: Id,
    code: VoucherCode,
    campaignId: Id,
    /** The message that announces it, null when the campaign sends none. */
    messageId: Id.nullable(),
    kind: z.enum(VOUCHER_KINDS),
    /** The merchant's currency, the one of valueCents and minimumPurchaseCents. */
    currency: CurrencyCode,
    /** kind "amount": the discount in cents; null otherwise. */
    valueCents: Cents.nullable(),
    /** kind "percent": the discount in percent of the eligible purchase; null otherwise. */
    percent: z.number().int().min(1).max(100).nullable(),
    minimumPurchaseCents: Cents,
    issuedAt: Instant,
    /** 00:00 local time the day after its last valid day. */
    expiresAt: Instant,
  })
  .strict()
  .refine((v) => (v.kind === 'amount' ? v.valueCents !== null && v.percent === null : v.percent !== null && v.valueCents === null), {
    message: 'an "amount" voucher has valueCents only, a "percent" voucher has percent only',
  });

export const VoucherRedeemed = z
  .object({
    customerId: Id,
    voucherId: Id,
    code: VoucherCode,
    campaignId: Id,
    purchaseId: Id,
    /** The merchant's currency, the one of discountCents. */
    currency: CurrencyCode,
    discountCents: Cents,
    redeemedAt: Instant,
  })
  .strict();
