import { RequestRejected } from '../http/api-errors.js';
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
}

/** "199.00", "12.5", 3 → cents, exactly (no floating point on the way). */
export function cents(value: string | number, path: string): number {
  const text = typeof value === 'number' ? value.toFixed(2) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d{1,2})\d*)?$/.exec(text);
  if (!match) throw new RequestRejected([{ path, message: `not an amount (got ${JSON.stringify(value)})` }]);
  const amount = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -amount : amount;
}

/** Trimmed, or null when empty. */
export function text(value: string | null | undefined, max = 200): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, max) : null;
}
