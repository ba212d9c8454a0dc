import { derivedUuidV7, hashedId } from '../../shared/derived-id.js';
import type { TriggerOccurrence } from '../triggers/occurrence.js';

/**
 * A decision's key: (merchant, campaign, customer, period). For an event trigger the period is the
 * trigger event's id; for a time trigger, its occasion; for a challenge, its period; for a launch,
 * the launch's id. Everything a decision appends is named after it, so deciding the same key twice
 * (a restart, two processes, a second run the same day) names the same events, which the event store
 * keeps once.
 */
export function decisionKey(merchantId: string, campaignId: string, occurrence: Pick<TriggerOccurrence, 'customerId' | 'period'>): string {
  return `${merchantId}|${campaignId}|${occurrence.customerId}|${occurrence.period}`;
}

export interface DecisionIds {
  readonly key: string;
  /** CampaignTriggered or MessageSuppressed; also the seed of the commands the decision runs (bonus points). */
  readonly decisionEventId: string;
  readonly messageQueuedEventId: string;
  readonly voucherIssuedEventId: string;
  readonly challengeCompletedEventId: string;
  readonly messageId: string;
  readonly voucherId: string;
  /** The bonus points' own id (PointsEarned.sourceId names the campaign; the lot is named after this). */
  readonly bonusId: string;
}

export function decisionIds(key: string, at: string): DecisionIds {
  return {
    key,
    decisionEventId: derivedUuidV7(at, `${key}|decision`),
    messageQueuedEventId: derivedUuidV7(at, `${key}|message-queued`),
    voucherIssuedEventId: derivedUuidV7(at, `${key}|voucher-issued`),
    challengeCompletedEventId: derivedUuidV7(at, `${key}|challenge-completed`),
    messageId: hashedId('msg', key),
    voucherId: hashedId('vch', key),
    bonusId: hashedId('bonus', key),
  };
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A voucher code from secret random bytes (the runtime derives them with a keyed hash of the decision
 * key, so a re-decision gives the same code and nobody can compute one): `PREFIX-XXXX-XXXX-XXXX`,
 * without the letters and digits that are confused when read out (O/0, I/1).
 */
export function formatVoucherCode(prefix: string, bytes: Uint8Array): string {
  if (!/^[A-Z0-9]{1,8}$/.test(prefix)) throw new RangeError('A voucher prefix is 1 to 8 upper-case letters or digits');
  if (bytes.length < 12) throw new RangeError('A voucher code needs at least 12 random bytes');
  const chars = Array.from(bytes.subarray(0, 12), (b) => CODE_ALPHABET[b % 32]);
  return `${prefix}-${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8, 12).join('')}`;
}
