import { sha256 } from '../../shared/sha256.js';

/*
 * Control groups: a customer's bucket is a stable hash of who they are (and of the campaign), in
 * [0, 10000); a campaign with 10 % in control keeps buckets below 1000 out. The same customer falls
 * in the same bucket on every run, every process and every replay, and the buckets of two campaigns
 * are independent. In SQL: (get_byte(d,0)·2^24 + get_byte(d,1)·2^16 + get_byte(d,2)·2^8 +
 * get_byte(d,3)) % 10000 with d = sha256(convert_to(key, 'UTF8')).
 */

export const BUCKETS = 10_000;

/** The first four bytes of sha256(key), big-endian, modulo 10,000. */
export function controlBucket(key: string): number {
  const d = sha256(key);
  return ((d[0]! * 2 ** 24 + d[1]! * 2 ** 16 + d[2]! * 2 ** 8 + d[3]!) >>> 0) % BUCKETS;
}

export function campaignControlKey(merchantId: string, campaignId: string, customerId: string): string {
  return `control:${merchantId}:${campaignId}:${customerId}`;
}

/** The merchant-wide group that no marketing campaign targets. */
export function globalControlKey(merchantId: string, customerId: string): string {
  return `global-control:${merchantId}:${customerId}`;
}

/** A percentage with at most two decimals, as a number of buckets (2.5 % → 250). */
export function bucketsFor(percent: number): number {
  return Math.round(percent * 100);
}

export function inControlGroup(bucket: number, percent: number): boolean {
  return bucket < bucketsFor(percent);
}
