import { Inject, Injectable } from '@nestjs/common';
import type { CustomerContext } from '@relance/domain';
import { CLOCK, MERCHANTS, type Clock, type MerchantConfig, type MerchantDirectory } from '@relance/platform';

/** What every decision of a merchant needs besides its command: now, the merchant's zone and currency, the program in force. */
@Injectable()
export class DecisionContexts {
  constructor(
    @Inject(MERCHANTS) private readonly merchants: MerchantDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  serves(merchantId: string): boolean {
    return this.merchants.get(merchantId) !== undefined;
  }

  merchant(merchantId: string): MerchantConfig {
    return this.merchants.require(merchantId);
  }

  forMerchant(merchantId: string): CustomerContext {
    const merchant = this.merchants.require(merchantId);
    return { now: this.clock.now().toISOString(), timeZone: merchant.timeZone, currency: merchant.currency, program: merchant.program };
  }
}
