import type { EventOf } from '../events/catalog.js';
import type { IdentityKeys } from '../events/customer.events.js';
import type { BusinessCategory, Channel, ConsentPurpose, CustomerType, Source } from '../events/primitives.js';
import type { LotBook } from '../program/points-lots.js';
import { compareStrings, SortedMap } from '../shared/sorted-map.js';
import type { OpenPurchases } from './open-purchases.js';
import type { Retention } from './retention.js';
import type { RewardBook } from './reward-book.js';

/** What a customer stream holds (customer-<merchantId>.<customerId>), as read through the upcasters. */
export type CustomerStreamEvent = EventOf<
  | 'CustomerEnrolled'
  | 'CustomerProfileUpdated'
  | 'CustomersMergedV2'
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

export interface TierHeld {
  readonly id: string;
  readonly since: string;
  readonly guaranteedUntil: string | null;
}

/**
 * The ids a customer's decisions must never accept twice, whatever their age: refunds, visits,
 * adjustments, rewards (a reward's id is its redemption's), rewards already used, and customers
 * absorbed. One set, each id under its kind. Purchase ids are not here: they are kept unique by the
 * engine's purchase locator, so that a customer buying every day does not hold every ticket id.
 */
export type RememberedIdKind = 'refund' | 'visit' | 'adjustment' | 'reward' | 'used-reward' | 'absorbed';

export type RememberedIds = SortedMap<string, true>;

export const NO_IDS: RememberedIds = SortedMap.empty(compareStrings);

const idKey = (kind: RememberedIdKind, id: string): string => `${kind}:${id}`;

export function remembers(state: ActiveCustomer, kind: RememberedIdKind, id: string): boolean {
  return state.ids.has(idKey(kind, id));
}

export function remember(ids: RememberedIds, kind: RememberedIdKind, id: string): RememberedIds {
  return ids.set(idKey(kind, id), true);
}

export interface UnknownCustomer {
  readonly status: 'unknown';
  /** What the fold will keep once the customer is enrolled. */
  readonly retention: Retention | null;
}

/**
 * An enrolled customer as far as future decisions need: what grows with the customer's history stays
 * bounded by the program's windows (refunds, tier spend), not by how long they have been buying.
 * Every collection is immutable and shared between successive states (see SortedMap).
 */
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
  /** What the fold keeps (retention.ts); null keeps everything. */
  readonly retention: Retention | null;
  /**
   * The stream's clock: the latest business time among events that cannot run ahead of the decision
   * that recorded them by more than a day (ms since the epoch; -Infinity before any). Whatever lies
   * far enough behind it is forgotten.
   */
  readonly clock: number;
  /** Lots with points left (a lot used up or expired leaves the book). */
  readonly lots: LotBook;
  /** Points taken back after they were spent, repaid by the next points earned. */
  readonly debtPoints: number;
  /** Purchases that can still be refunded. */
  readonly purchases: OpenPurchases;
  /** Net spend (purchases +, refunds −) by instant, inside the tier window: it decides the tier. */
  readonly spend: SortedMap<number, number>;
  /** Visits that earned points, by instant (the same instant counted twice), for the daily cap. */
  readonly earnedVisits: SortedMap<number, number>;
  /** Rewards issued and not yet forgotten (used or expired a while ago). */
  readonly rewards: RewardBook;
  readonly ids: RememberedIds;
  readonly tier: TierHeld | null;
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

export function initialCustomerState(retention: Retention | null = null): CustomerState {
  return { status: 'unknown', retention };
}
