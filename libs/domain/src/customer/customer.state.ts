import type { EventOf } from '../events/catalog.js';
import type { IdentityKeys } from '../events/customer.events.js';
import type { IssuedReward, PointsLot, PurchaseRecord } from '../events/loyalty-state.js';
import type { BusinessCategory, Channel, ConsentPurpose, CustomerType, Source } from '../events/primitives.js';
import type { SpendEntry } from '../program/rolling-spend.js';

/** What a customer stream holds (customer-<merchantId>.<customerId>). */
export type CustomerStreamEvent = EventOf<
  | 'CustomerEnrolled'
  | 'CustomerProfileUpdated'
  | 'CustomersMerged'
  | 'CustomerErased'
  | 'ConsentGranted'
  | 'ConsentWithdrawn'
  | 'PurchaseRecorded'
  | 'PurchaseRefunded'
  | 'VisitRecorded'
  | 'PointsEarned'
  | 'PointsRedeemed'
  | 'PointsExpired'
  | 'PointsAdjusted'
  | 'TierChanged'
  | 'RewardIssued'
  | 'RewardRedeemed'
  | 'ChallengeCompleted'
  | 'VoucherIssued'
  | 'VoucherRedeemed'
>;

export interface ConsentStatus {
  readonly channel: Channel;
  readonly purpose: ConsentPurpose;
  readonly granted: boolean;
  readonly source: Source;
  readonly changedAt: string;
}

export interface VisitFact {
  readonly visitId: string;
  readonly kind: 'store' | 'tasting' | 'web';
  readonly visitedAt: string;
  /** Whether it earned points: the per-day cap counts these. */
  readonly earnedPoints: boolean;
}

export interface TierHeld {
  readonly id: string;
  readonly since: string;
  readonly guaranteedUntil: string | null;
}

export interface UnknownCustomer {
  readonly status: 'unknown';
}

export interface ActiveCustomer {
  readonly status: 'active';
  readonly customerId: string;
  readonly customerType: CustomerType;
  readonly businessCategory: BusinessCategory | null;
  readonly storeId: string | null;
  readonly externalId: string | null;
  readonly locale: string;
  readonly profile: string;
  readonly identityKeys: IdentityKeys;
  readonly enrolledAt: string;
  readonly consents: readonly ConsentStatus[];
  /** Lots with points left (a lot used up or expired is dropped). */
  readonly lots: readonly PointsLot[];
  /** Points taken back after they were spent, repaid by the next points earned. */
  readonly debtPoints: number;
  readonly purchases: readonly PurchaseRecord[];
  /** Dated purchases (+) and refunds (−), for the rolling spend that decides tiers. */
  readonly spend: readonly SpendEntry[];
  readonly refundIds: readonly string[];
  readonly visits: readonly VisitFact[];
  readonly rewards: readonly IssuedReward[];
  readonly redemptionIds: readonly string[];
  readonly adjustmentIds: readonly string[];
  readonly tier: TierHeld | null;
  /** Duplicates already absorbed by this customer (absorbing one twice does nothing). */
  readonly absorbedIds: readonly string[];
}

export interface MergedCustomer {
  readonly status: 'merged';
  readonly customerId: string;
  readonly survivorId: string;
}

export interface ErasedCustomer {
  readonly status: 'erased';
  readonly customerId: string;
}

export type CustomerState = UnknownCustomer | ActiveCustomer | MergedCustomer | ErasedCustomer;

export function initialCustomerState(): CustomerState {
  return { status: 'unknown' };
}
