import { Injectable } from '@nestjs/common';
import type { ActiveCustomer, CustomerContext } from '@relance/domain';
import { customerView, type CustomerView } from './customer-view.js';
import { ProfileVault, type ClearProfile } from './profile-vault.js';
import { SegmentReader } from './segment-reader.js';

/** The customer as the API shows it: the folded state, its profile opened, its segment read. */
@Injectable()
export class CustomerViews {
  constructor(
    private readonly vault: ProfileVault,
    private readonly segments: SegmentReader,
  ) {}

  /** `profile`: the clear profile when the caller already holds it (it just sealed it). */
  async of(merchantId: string, state: ActiveCustomer, context: CustomerContext, profile?: ClearProfile | null): Promise<CustomerView> {
    const [opened, segment] = await Promise.all([
      profile === undefined ? this.vault.open(merchantId, state.customerId, state.profile) : profile,
      this.segments.segmentOf(merchantId, state.customerId),
    ]);
    return customerView(state, context, opened, segment);
  }
}
