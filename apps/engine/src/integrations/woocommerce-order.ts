import { StorableText } from '@relance/domain';
import { z } from 'zod';
import { RequestRejected } from '../write-path/application-errors.js';
import { parseWith } from '../write-path/zod-problems.js';
import { minorUnits, orderMinorUnit, text, type ShopOrder } from './shop-order.js';

const Money = z.union([StorableText, z.number()]);
const WooOrder = z.looseObject({
  id: z.union([z.number(), StorableText]),
  number: z.union([StorableText, z.number()]).nullish(),
  status: StorableText.nullish(),
  currency: StorableText,
  date_created_gmt: StorableText.nullish(),
  date_created: StorableText.nullish(),
  customer_id: z.union([z.number(), StorableText]).nullish(),
  billing: z
    .looseObject({ email: StorableText.nullish(), first_name: StorableText.nullish(), last_name: StorableText.nullish(), phone: StorableText.nullish() })
    .nullish(),
  line_items: z.array(
    z.looseObject({
      id: z.union([z.number(), StorableText]),
      name: StorableText.nullish(),
      sku: StorableText.nullish(),
      product_id: z.union([z.number(), StorableText]).nullish(),
      variation_id: z.union([z.number(), StorableText]).nullish(),
      quantity: z.int().min(0),
      subtotal: Money,
      total: Money,
    }),
  ),
});

/** Orders that were never paid or were taken back. */
const IGNORED_STATUSES = new Set(['failed', 'cancelled', 'trash', 'checkout-draft']);

/**
 * A WooCommerce REST API v3 order (the body of order.created webhooks), its amounts in the minor unit
 * of its currency. Its line `subtotal` is before
 * discounts and `total` after; the unit price is the subtotal per unit rounded up, and the discount is
 * what makes quantity × unit − discount equal the line total. WooCommerce has no standard field for
 * marketing consent, so none is recorded from it.
 */
export function wooCommerceOrder(body: unknown): ShopOrder {
  const parsed = parseWith(WooOrder, body);
  if (!parsed.ok) throw new RequestRejected(parsed.problems);
  const order = parsed.value;
  const created = order.date_created_gmt ? `${order.date_created_gmt.replace(/Z$/, '')}Z` : order.date_created;
  if (!created || Number.isNaN(Date.parse(created))) throw new RequestRejected([{ path: 'date_created_gmt', message: 'missing or not a date' }]);
  const digits = orderMinorUnit(order.currency);
  const items = order.line_items.map((item, i) => ({ item, i })).filter(({ item }) => item.quantity > 0);
  const lines = items.map(({ item, i }) => {
    const subtotal = minorUnits(item.subtotal, `line_items[${i}].subtotal`, digits, order.currency);
    const total = minorUnits(item.total, `line_items[${i}].total`, digits, order.currency);
    let unit = Math.ceil(subtotal / item.quantity);
    if (unit * item.quantity < total) unit = Math.ceil(total / item.quantity);
    const variation = item.variation_id && String(item.variation_id) !== '0' ? `-${String(item.variation_id)}` : '';
    return {
      sku: text(item.sku, 64) ?? `woo-${String(item.product_id ?? item.id)}${variation}`,
      name: text(item.name) ?? 'Article',
      quantity: item.quantity,
      unitPriceCents: unit,
      discountCents: unit * item.quantity - total,
    };
  });
  const billing = order.billing;
  const customerId = order.customer_id === undefined || order.customer_id === null || String(order.customer_id) === '0' ? null : String(order.customer_id);
  return {
    platform: 'woocommerce',
    orderId: String(order.id),
    reference: order.number === undefined || order.number === null ? null : String(order.number),
    currency: order.currency,
    createdAt: new Date(created).toISOString(),
    ignoredBecause: order.status && IGNORED_STATUSES.has(order.status) ? `status ${order.status}` : null,
    buyer: {
      externalId: customerId,
      email: text(billing?.email),
      firstName: text(billing?.first_name, 100),
      lastName: text(billing?.last_name, 100),
      phone: text(billing?.phone, 40),
      acceptsMarketing: false,
    },
    lines,
    lineItemIds: items.map(({ item }) => String(item.id)),
    sources: {
      reference: 'number',
      createdAt: order.date_created_gmt ? 'date_created_gmt' : 'date_created',
      lines: items.map(({ i }) => `line_items[${i}]`),
      lineFields: { sku: 'sku', name: 'name', quantity: 'quantity', unitPriceCents: 'subtotal', discountCents: 'total' },
    },
  };
}
