import type { MerchantConfig } from '@relance/platform';
import { RequestRejected } from '../http/api-errors.js';

/** Store ids are the merchant's (merchant.yaml `stores`): a typo must not create a phantom shop. */
export function requireStore(merchant: MerchantConfig, storeId: string, path = 'storeId'): void {
  if (merchant.stores.some((s) => s.id === storeId)) return;
  throw new RequestRejected([{ path, message: `unknown store "${storeId}" (stores: ${merchant.stores.map((s) => s.id).join(', ')})` }]);
}

/** Instants arrive with any offset; events hold them in UTC. */
export function utc(instant: string): string {
  return new Date(instant).toISOString();
}
