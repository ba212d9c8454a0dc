import { birthDateProblem, businessInstantProblem, localDateOf, type CustomerContext } from '@relance/domain';
import type { MerchantConfig } from '@relance/platform';
import { RequestRejected } from './application-errors.js';

/** Store ids are the merchant's (merchant.yaml `stores`): a typo must not create a phantom shop. */
export function requireStore(merchant: MerchantConfig, storeId: string, path = 'storeId'): void {
  if (merchant.stores.some((s) => s.id === storeId)) return;
  throw new RequestRejected([{ path, message: `unknown store "${storeId}" (stores: ${merchant.stores.map((s) => s.id).join(', ')})` }]);
}

/** One merchant, one currency (merchant.yaml): an amount in another is refused, never converted. */
export function requireCurrency(merchant: MerchantConfig, currency: string, path = 'currency'): void {
  if (currency === merchant.currency) return;
  throw new RequestRejected([{ path, message: `${currency} is not the merchant's currency (${merchant.currency}): amounts in another currency are refused` }]);
}

/** Instants arrive with any offset; events hold them in UTC. */
export function utc(instant: string): string {
  return new Date(instant).toISOString();
}

/**
 * A business instant (when a purchase, refund, visit or consent happened) in UTC, refused with its
 * path when it is outside LIMITS' range as of the engine's clock.
 */
export function businessInstant(instant: string, path: string, context: Pick<CustomerContext, 'now'>): string {
  const problem = businessInstantProblem(instant, context.now);
  if (problem) throw new RequestRejected([{ path, message: problem }]);
  return utc(instant);
}

/** A birth date after the merchant's today is refused with its path (the schema refuses those before 1900). */
export function requirePlausibleBirthDate(birthDate: string | null | undefined, path: string, context: Pick<CustomerContext, 'now' | 'timeZone'>): void {
  if (!birthDate) return;
  const problem = birthDateProblem(birthDate, localDateOf(context.now, context.timeZone));
  if (problem) throw new RequestRejected([{ path, message: problem }]);
}
