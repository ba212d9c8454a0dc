import { StorableText } from '@relance/domain';
import { z } from 'zod';
import { RequestRejected } from '../write-path/application-errors.js';
import { parseWith } from '../write-path/zod-problems.js';
import { minorUnits, orderMinorUnit, text, type ShopOrder } from './shop-order.js';

// Only what we read; Shopify adds fields over time, so unknown ones are let through.
const Money = z.union([StorableText, z.number()]);
const Address = z.looseObject({ first_name: StorableText.nullish(), last_name: StorableText.nullish(), phone: StorableText.nullish() }).nullish();
const ShopifyOrder = z.looseObject({
  id: z.union([z.number(), StorableText]),
  name: StorableText.nullish(),
  currency: StorableText,
  created_at: StorableText.refine((d) => !Number.isNaN(Date.parse(d)), 'not a date'),
  cancelled_at: StorableText.nullish(),
  test: z.boolean().nullish(),
  email: StorableText.nullish(),
  phone: StorableText.nullish(),
  buyer_accepts_marketing: z.boolean().nullish(),
  billing_address: Address,
  customer: z
    .looseObject({
      id: z.union([z.number(), StorableText]).nullish(),
      email: StorableText.nullish(),
      first_name: StorableText.nullish(),
      last_name: StorableText.nullish(),
      phone: StorableText.nullish(),
      email_marketing_consent: z.looseObject({ state: StorableText.nullish() }).nullish(),
    })
    .nullish(),
  line_items: z.array(
    z.looseObject({
      id: z.union([z.number(), StorableText]),
      sku: StorableText.nullish(),
      name: StorableText.nullish(),
      title: StorableText.nullish(),
      quantity: z.int().min(0),
      price: Money,
      total_discount: Money.nullish(),
      discount_allocations: z.array(z.looseObject({ amount: Money })).nullish(),
      product_id: z.union([z.number(), StorableText]).nullish(),
      variant_id: z.union([z.number(), StorableText]).nullish(),
    }),
  ),
});

/** A Shopify Order object (the body of the orders/create webhook), its amounts in the minor unit of its currency. */
export function shopifyOrder(body: unknown): ShopOrder {
  const parsed = parseWith(ShopifyOrder, body);
  if (!parsed.ok) throw new RequestRejected(parsed.problems);
  const order = parsed.value;
  const customer = order.customer;
  const digits = orderMinorUnit(order.currency);
  const amount = (value: string | number, path: string) => minorUnits(value, path, digits, order.currency);
  const items = order.line_items.map((item, i) => ({ item, i })).filter(({ item }) => item.quantity > 0);
  const lines = items.map(({ item, i }) => {
    const allocated = item.discount_allocations?.reduce((sum, d, k) => sum + amount(d.amount, `line_items[${i}].discount_allocations[${k}].amount`), 0);
    return {
      sku: text(item.sku, 64) ?? `shopify-${String(item.variant_id ?? item.product_id ?? item.id)}`,
      name: text(item.name) ?? text(item.title) ?? 'Article',
      quantity: item.quantity,
      unitPriceCents: amount(item.price, `line_items[${i}].price`),
      discountCents: allocated ?? amount(item.total_discount ?? '0', `line_items[${i}].total_discount`),
    };
  });
  return {
    platform: 'shopify',
    orderId: String(order.id),
    reference: text(order.name, 128),
    currency: order.currency,
    createdAt: new Date(order.created_at).toISOString(),
    ignoredBecause: order.cancelled_at ? 'cancelled' : order.test ? 'test order' : null,
    buyer: {
      externalId: customer?.id === undefined || customer.id === null ? null : String(customer.id),
      email: text(order.email) ?? text(customer?.email),
      firstName: text(customer?.first_name, 100) ?? text(order.billing_address?.first_name, 100),
      lastName: text(customer?.last_name, 100) ?? text(order.billing_address?.last_name, 100),
      phone: text(order.phone, 40) ?? text(customer?.phone, 40) ?? text(order.billing_address?.phone, 40),
      acceptsMarketing: order.buyer_accepts_marketing === true || customer?.email_marketing_consent?.state === 'subscribed',
    },
    lines,
    lineItemIds: items.map(({ item }) => String(item.id)),
    sources: {
      reference: 'name',
      createdAt: 'created_at',
      lines: items.map(({ i }) => `line_items[${i}]`),
      lineFields: { sku: 'sku', name: 'name', quantity: 'quantity', unitPriceCents: 'price', discountCents: 'total_discount' },
    },
  };
}
