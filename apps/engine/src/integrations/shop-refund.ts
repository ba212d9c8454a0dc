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
 * A WooCommerce order (the body of order.updated) whose status became cancelled or refunded: what is
 * left of the order goes back, once per status. Null for any other status. WooCommerce's order body
 * lists partial refunds by amount only, without their lines: a refund by line comes as the refund
 * object itself (wooCommerceRefund).
 */
export function wooCommerceCancellation(body: unknown): ShopRefund | null {
  const parsed = parseWith(WooUpdatedOrder, body);
  if (!parsed.ok) throw new RequestRejected(parsed.problems);
  const order = parsed.value;
  if (!order.status || !WOO_TAKEN_BACK.has(order.status)) return null;
  const modified = order.date_modified_gmt ? `${order.date_modified_gmt.replace(/Z$/, '')}Z` : null;
  return { platform: 'woocommerce', orderId: String(order.id), eventKey: `status-${order.status}`, refundedAt: iso(modified), refundedAtField: 'date_modified_gmt', reason: order.status, lines: null };
}

const WooRefundLine = z.looseObject({
  /** The newer REST shape names the order's line item; the v3 one keeps it in meta_data `_refunded_item_id`. */
  line_item_id: PlatformId.nullish(),
  /** Negative in the v3 REST shape (items going back), positive in the newer one. */
  quantity: z.int(),
  meta_data: z.array(z.looseObject({ key: StorableText, value: z.unknown() })).nullish(),
});
const WooRefundBody = z.looseObject({
  id: PlatformId,
  order_id: PlatformId.nullish(),
  parent_id: PlatformId.nullish(),
  date_created_gmt: DateText.nullish(),
  reason: StorableText.nullish(),
  line_items: z.array(WooRefundLine).default([]),
  _links: z.looseObject({ up: z.array(z.looseObject({ href: StorableText })).nullish() }).nullish(),
});

/**
 * A WooCommerce order refund, as its REST API gives it (GET /wp-json/wc/v3/orders/<order>/refunds/<id>),
 * posted with topic refund.created: its line_items by the order's line item and quantity, once per
 * refund id. The order is `order_id` or `parent_id` when the sender adds it, otherwise the refund's
 * `_links.up` (the order it belongs to). A refund of an amount only (no line item, or quantity 0)
 * takes back no line and records nothing.
 */
export function wooCommerceRefund(body: unknown): ShopRefund {
  const parsed = parseWith(WooRefundBody, body);
  if (!parsed.ok) throw new RequestRejected(parsed.problems);
  const refund = parsed.value;
  const up = refund._links?.up?.map((link) => /\/orders\/(\d+)\/?$/.exec(link.href)?.[1]).find((id) => id !== undefined);
  const orderId = [refund.order_id, refund.parent_id].find((id) => id !== undefined && id !== null && String(id) !== '0') ?? up;
  if (orderId === undefined || orderId === null) throw new RequestRejected([{ path: 'order_id', message: 'the order of this refund is not given (order_id, parent_id or _links.up)' }]);
  const quantities = new Map<string, number>();
  for (const line of refund.line_items) {
    const named = line.line_item_id !== undefined && line.line_item_id !== null && String(line.line_item_id) !== '0' ? String(line.line_item_id) : null;
    const meta = line.meta_data?.find((m) => m.key === '_refunded_item_id')?.value;
    const lineItemId = named ?? (typeof meta === 'string' || typeof meta === 'number' ? String(meta) : null);
    const quantity = Math.abs(line.quantity);
    if (lineItemId === null || quantity === 0) continue;
    quantities.set(lineItemId, (quantities.get(lineItemId) ?? 0) + quantity);
  }
  const created = refund.date_created_gmt ? `${refund.date_created_gmt.replace(/Z$/, '')}Z` : null;
  return {
    platform: 'woocommerce',
    orderId: String(orderId),
    eventKey: `refund-${String(refund.id)}`,
    refundedAt: iso(created),
    refundedAtField: 'date_created_gmt',
    reason: text(refund.reason),
    lines: [...quantities].map(([lineItemId, quantity]) => ({ lineItemId, quantity })),
  };
}

/**
 * Refuses, with the platform's field, a refund dated outside the business range as of `now`: checked
 * before the platform event is claimed, so a refused delivery leaves no trace.
 */
export function checkRefundDate(refund: ShopRefund, now: string): void {
  const problem = refund.refundedAt ? businessInstantProblem(refund.refundedAt, now) : null;
  if (problem) throw new RequestRejected([{ path: refund.refundedAtField, message: problem }]);
}
