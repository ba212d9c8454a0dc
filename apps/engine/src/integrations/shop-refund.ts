import { businessInstantProblem, StorableText } from '@relance/domain';
import { z } from 'zod';
import { RequestRejected } from '../write-path/application-errors.js';
import { parseWith } from '../write-path/zod-problems.js';
import type { Platform } from './integration-secrets.repository.js';
import { text } from './shop-order.js';

/** A refund or a cancellation of an e-shop order, whatever its platform: what the engine needs to refund the purchase. */
export interface ShopRefund {
  readonly platform: Platform;
  readonly orderId: string;
  /**
   * What identifies this platform event among the order's refunds (`refund-<id>`, `cancelled`): the
   * same event delivered again has the same key, and is refunded once.
   */
  readonly eventKey: string;
  /** ISO-8601 UTC; null: when the engine receives it. */
  readonly refundedAt: string | null;
  /** The platform's field refundedAt comes from, for a refusal. */
  readonly refundedAtField: string;
  readonly reason: string | null;
  /** Null: everything of the order not yet refunded (a cancellation, a full refund). */
  readonly lines: readonly { readonly lineItemId: string; readonly quantity: number }[] | null;
}

const PlatformId = z.union([z.number(), StorableText.min(1)]);
const DateText = StorableText.refine((d) => !Number.isNaN(Date.parse(d)), 'not a date');
const iso = (value: string | null | undefined): string | null => (value ? new Date(value).toISOString() : null);

// Only what we read; the platforms add fields over time, so unknown ones are let through.
const ShopifyRefundBody = z.looseObject({
  id: PlatformId,
  order_id: PlatformId,
  created_at: DateText.nullish(),
  processed_at: DateText.nullish(),
  note: StorableText.nullish(),
  refund_line_items: z.array(z.looseObject({ line_item_id: PlatformId, quantity: z.int().min(0) })).default([]),
});

/**
 * A Shopify Refund object (the body of the refunds/create webhook): its refund_line_items by line
 * item and quantity. A refund of money only (shipping, an order adjustment) takes back no line and
 * records nothing.
 */
export function shopifyRefund(body: unknown): ShopRefund {
  const parsed = parseWith(ShopifyRefundBody, body);
  if (!parsed.ok) throw new RequestRejected(parsed.problems);
  const refund = parsed.value;
  return {
    platform: 'shopify',
    orderId: String(refund.order_id),
    eventKey: `refund-${String(refund.id)}`,
    refundedAt: iso(refund.processed_at ?? refund.created_at),
    refundedAtField: refund.processed_at ? 'processed_at' : 'created_at',
    reason: text(refund.note),
    lines: refund.refund_line_items.filter((l) => l.quantity > 0).map((l) => ({ lineItemId: String(l.line_item_id), quantity: l.quantity })),
  };
}

const ShopifyCancelledOrder = z.looseObject({ id: PlatformId, cancelled_at: DateText.nullish(), cancel_reason: StorableText.nullish() });

/** A Shopify Order object with cancelled_at (the body of orders/cancelled): the whole order goes back. */
export function shopifyCancellation(body: unknown): ShopRefund | null {
  const parsed = parseWith(ShopifyCancelledOrder, body);
  if (!parsed.ok) throw new RequestRejected(parsed.problems);
  const order = parsed.value;
  if (!order.cancelled_at) return null;
  return { platform: 'shopify', orderId: String(order.id), eventKey: 'cancelled', refundedAt: iso(order.cancelled_at), refundedAtField: 'cancelled_at', reason: text(order.cancel_reason) ?? 'cancelled', lines: null };
}

/** WooCommerce statuses that take the whole order back. */
const WOO_TAKEN_BACK = new Set(['cancelled', 'refunded']);
const WooUpdatedOrder = z.looseObject({ id: PlatformId, status: StorableText.nullish(), date_modified_gmt: DateText.nullish() });

/**
 * A WooCommerce order (the body of order.updated) whose status became cancelled or refunded: the
 * whole order goes back, once per status. Null for any other status. WooCommerce's order body lists
 * partial refunds by amount only, without their lines, so they cannot be mapped to lines here.
 */
export function wooCommerceCancellation(body: unknown): ShopRefund | null {
  const parsed = parseWith(WooUpdatedOrder, body);
  if (!parsed.ok) throw new RequestRejected(parsed.problems);
  const order = parsed.value;
  if (!order.status || !WOO_TAKEN_BACK.has(order.status)) return null;
  const modified = order.date_modified_gmt ? `${order.date_modified_gmt.replace(/Z$/, '')}Z` : null;
  return { platform: 'woocommerce', orderId: String(order.id), eventKey: `status-${order.status}`, refundedAt: iso(modified), refundedAtField: 'date_modified_gmt', reason: order.status, lines: null };
}

/**
 * Refuses, with the platform's field, a refund dated outside the business range as of `now`: checked
 * before the platform event is claimed, so a refused delivery leaves no trace.
 */
export function checkRefundDate(refund: ShopRefund, now: string): void {
  const problem = refund.refundedAt ? businessInstantProblem(refund.refundedAt, now) : null;
  if (problem) throw new RequestRejected([{ path: refund.refundedAtField, message: problem }]);
}
