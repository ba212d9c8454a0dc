import type { MerchantConfig } from '../merchant-config/load-merchant-config.js';

/** The merchants configured in CONFIG_DIR, loaded and validated once at start. */
export class MerchantDirectory {
  private readonly byId: ReadonlyMap<string, MerchantConfig>;

  constructor(configs: readonly MerchantConfig[]) {
    this.byId = new Map(configs.map((c) => [c.id, c]));
  }

  get(merchantId: string): MerchantConfig | undefined {
    return this.byId.get(merchantId);
  }

  require(merchantId: string): MerchantConfig {
    const config = this.byId.get(merchantId);
    if (!config) throw new Error(`Merchant "${merchantId}" is not configured (no config/merchants/${merchantId}/)`);
    return config;
  }

  list(): readonly MerchantConfig[] {
    return [...this.byId.values()];
  }
}
