import { businessInstantProblem, CurrencyCode, minorUnitOf } from '@relance/domain';
import { RequestRejected, type FieldProblem } from '../write-path/application-errors.js';
import { parseWith } from '../write-path/zod-problems.js';
import { RecordPurchaseBody } from '../purchases/purchase.schemas.js';
import type { Platform } from './integration-secrets.repository.js';

/** An e-shop order, whatever its platform: what the engine needs to record a purchase. */
export interface ShopOrder {
  readonly platform: Platform;
  readonly orderId: string;
  /** The number the merchant sees (#1001). */
  readonly reference: string | null;
  readonly currency: string;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  /** Cancelled or a test order: acknowledged, not recorded. */
  readonly ignoredBecause: string | null;
  readonly buyer: {
    readonly externalId: string | null;
    readonly email: string | null;
    readonly firstName: string | null;
    readonly lastName: string | null;
    readonly phone: string | null;
    /** Only when the platform says the buyer accepted marketing. */
    readonly acceptsMarketing: boolean;
  };
  readonly lines: readonly { sku: string; name: string; quantity: number; unitPriceCents: number; discountCents: number }[];
  /** The platform's id of each line's line item: refunds name line items by it. */
  readonly lineItemIds: readonly string[];
  /** Where each value came from in the platform's payload, so that a refusal names the platform's field. */
  readonly sources: OrderSources;
}

export interface OrderSources {
  readonly reference: string;
  readonly createdAt: string;
  /** The line item each line comes from (`line_items[3]`: lines without a quantity are left out). */
  readonly lines: readonly string[];
  /** The line item field each line field comes from. */
  readonly lineFields: Readonly<Record<'sku' | 'name' | 'quantity' | 'unitPriceCents' | 'discountCents', string>>;
}

/** The id of the purchase an order records: refunds of the order find it by the same id. */
export function orderPurchaseId(platform: Platform, orderId: string): string {
  return `${platform}-${orderId}`.slice(0, 64);
}

/**
 * How an order's amounts are read: in the minor unit of the currency the order states (2 decimals for
 * EUR, none for JPY, 3 for KWD). An order's currency that is not an ISO 4217 code is refused with its
 * field, since nothing then says how many decimals its amounts have.
 */
export function orderMinorUnit(currency: string): number {
  const known = CurrencyCode.safeParse(currency);
  if (!known.success) throw new RequestRejected([{ path: 'currency', message: `not an ISO 4217 currency code (got ${JSON.stringify(currency)})` }]);
  return minorUnitOf(known.data);
}

/**
 * An amount as the platforms write it ("199.00", "1250", 12.5) in minor units of a currency with
 * `digits` decimals, exactly (no floating point on the way): "12.50" EUR is 1250 cents, "1250" or
 * "1250.00" JPY 1250 yen, "3.5" KWD 3500 fils. Decimals past the currency's are accepted only as zeros
 * (platforms print "1250.00" for yen); a value that needs them ("12.5" JPY, "0.0001" KWD) is refused
 * with its field, never rounded: a webhook has no report in which to tell a rounding.
 */
export function minorUnits(value: string | number, path: string, digits: number, currency: string): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RequestRejected([{ path, message: `not an amount (got ${JSON.stringify(value)})` }]);
  const fraction = match[3] ?? '';
  if (/[1-9]/.test(fraction.slice(digits))) {
    throw new RequestRejected([
      { path, message: `${JSON.stringify(value)} has more decimals than ${currency} has (${digits}): amounts are read in the currency's minor unit, never rounded` },
    ]);
  }
  const amount = Number(match[2]) * 10 ** digits + Number(fraction.slice(0, digits).padEnd(digits, '0') || '0');
  return match[1] ? -amount : amount;
}

/** Trimmed and cut to `max` UTF-16 units (never between the two halves of a character), or null when empty. */
export function text(value: string | null | undefined, max = 200): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  const cut = trimmed.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * The purchase an order records, checked like a purchase sent to the API (limits of amounts and
 * quantities, storable text, the business date range as of `now`), every problem named by the
 * platform's own field. Checked before anything is claimed or written.
 */
export function purchaseOfOrder(order: ShopOrder, now: string): RecordPurchaseBody {
  const problems: FieldProblem[] = [];
  const dated = businessInstantProblem(order.createdAt, now);
  if (dated) problems.push({ path: order.sources.createdAt, message: dated });
  const parsed = parseWith(RecordPurchaseBody, {
    purchaseId: orderPurchaseId(order.platform, order.orderId),
    storeId: order.platform,
    ...(order.reference ? { externalRef: order.reference } : {}),
    channel: order.platform,
    currency: order.currency,
    lines: order.lines.map((line) => ({ ...line, category: null, promo: false })),
    rewardIdsUsed: [],
    purchasedAt: order.createdAt,
  });
  if (!parsed.ok) {
    for (const problem of parsed.problems) {
      const path = platformPath(problem.path, order.sources);
      if (!problems.some((p) => p.path === path)) problems.push({ ...problem, path });
    }
  }
  if (problems.length > 0) throw new RequestRejected(problems);
  return (parsed as { value: RecordPurchaseBody }).value;
}

function platformPath(path: string, sources: OrderSources): string {
  const line = /^lines\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (line) {
    const item = sources.lines[Number(line[1])] ?? path;
    const field = line[2] as keyof OrderSources['lineFields'] | undefined;
    return field ? `${item}.${sources.lineFields[field] ?? field}` : item;
  }
  if (path === 'lines') return 'line_items';
  if (path === 'externalRef') return sources.reference;
  if (path === 'purchaseId') return 'id';
  if (path === 'purchasedAt') return sources.createdAt;
  return path;
}
