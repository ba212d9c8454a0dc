import type { TriggerType } from '../../events/campaign.events.js';
import { CHANNELS, CONSENT_PURPOSES, SOURCES } from '../../events/primitives.js';
import { PURCHASE_CHANNELS } from '../../events/purchase.events.js';
import { SEGMENTS } from '../../events/segment.events.js';
import { CelT, type CelType } from '../cel/cel-types.js';
import type { MerchantVocabulary } from './customer-facts.js';

/**
 * What an audience knows of its trigger (`event.…` in CEL), per trigger type. Event triggers expose
 * the event's data; time triggers the occasion (the birthday's date, the lot's expiry…). The values
 * are built by the trigger functions (triggers/*.ts), so they always match these types.
 */
export function eventFactsType(type: TriggerType, vocabulary: MerchantVocabulary): CelType {
  const tier = CelT.oneOf('tier', vocabulary.tiers);
  const segment = CelT.oneOf('segment', SEGMENTS);
  switch (type) {
    case 'purchase':
      return purchaseFactsType(vocabulary);
    case 'tier-changed':
      return CelT.object('event', { from: CelT.nullable(tier), to: tier, direction: CelT.oneOf('direction', ['up', 'down']), rollingSpendCents: CelT.int });
    case 'segment-entered':
      return CelT.object('event', { from: CelT.nullable(segment), to: segment });
    case 'consent-granted':
      return CelT.object('event', {
        channel: CelT.oneOf('channel', CHANNELS),
        purpose: CelT.oneOf('purpose', CONSENT_PURPOSES),
        source: CelT.oneOf('source', SOURCES),
      });
    case 'reward-reachable':
      return CelT.object('event', { rewardId: CelT.oneOf('reward', vocabulary.rewards), costPoints: CelT.int, balanceBefore: CelT.int, balanceAfter: CelT.int });
    case 'challenge-completed':
    case 'challenge':
      return CelT.object('event', { challengeId: CelT.string, period: CelT.string, purchases: CelT.int, spendCents: CelT.int });
    case 'birthday':
      return CelT.object('event', { birthdayOn: CelT.string, daysBefore: CelT.int });
    case 'inactivity':
      return CelT.object('event', { lastPurchaseOn: CelT.string, days: CelT.int });
    case 'points-expiring':
      return CelT.object('event', { expiresOn: CelT.string, points: CelT.int, withinDays: CelT.int });
    case 'anniversary':
      return CelT.object('event', { anniversaryOn: CelT.string, years: CelT.int, daysBefore: CelT.int });
    case 'date':
    case 'yearly':
      return CelT.object('event', { date: CelT.string });
    case 'manual':
      return CelT.object('event', { launchId: CelT.string });
  }
}

/** A purchase as a trigger's filter and an audience see it; also what a challenge counts. */
export function purchaseFactsType(vocabulary: MerchantVocabulary): CelType {
  const line = CelT.object('purchase line', {
    sku: CelT.string,
    category: CelT.nullable(CelT.string),
    quantity: CelT.int,
    totalCents: CelT.int,
    promo: CelT.bool,
  });
  return CelT.object('event', {
    purchaseId: CelT.string,
    storeId: CelT.oneOf('store', vocabulary.stores),
    channel: CelT.oneOf('purchase channel', PURCHASE_CHANNELS),
    totalCents: CelT.int,
    itemCount: CelT.int,
    categories: CelT.list(CelT.string),
    skus: CelT.list(CelT.string),
    lines: CelT.list(line),
    rewardsUsed: CelT.int,
    purchasedOn: CelT.string,
  });
}
