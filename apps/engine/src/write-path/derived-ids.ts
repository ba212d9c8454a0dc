import { hash } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

// The one-shot hash: a few ids per event, and a Hash object per id cost more than the hashing.
function digest(seed: string, label: string): Buffer {
  return hash('sha256', `${seed}\u0000${label}`, 'buffer');
}

/**
 * The id of the n-th event a command appends, derived from the command's seed: a re-execution of the
 * same command (a retry after a crash) derives the same ids, so the store keeps its events once. A
 * UUIDv7 whose time is the seed's (so ids still sort by when the command first ran) and whose other
 * 74 bits come from sha256(seed, label).
 */
export function derivedEventId(seed: string, label: string): string {
  const match = UUID_V7.exec(seed);
  if (!match) throw new TypeError(`A seed must be a UUIDv7 (got "${seed}")`);
  const time = Buffer.from(`${match[1]}${match[2]}`, 'hex');
  const hash = digest(seed, label);
  const bytes = Buffer.alloc(16);
  time.copy(bytes, 0);
  bytes[6] = 0x70 | (hash[0]! & 0x0f);
  bytes[7] = hash[1]!;
  bytes[8] = 0x80 | (hash[2]! & 0x3f);
  hash.copy(bytes, 9, 3, 10);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A business id (customer, purchase, refund…) the caller did not give, derived from the command's
 * seed: `<prefix>-<20 base32 characters>`, the same on every retry of the request.
 */
export function derivedEntityId(prefix: string, seed: string, label = prefix): string {
  return `${prefix}-${base32(digest(seed, `entity:${label}`)).slice(0, 20)}`;
}

/** An id for something named outside (a CSV row's external id, a Shopify order): stable across runs. */
export function externalEntityId(prefix: string, scope: string, externalId: string): string {
  return `${prefix}-${base32(digest(scope, `external:${externalId}`)).slice(0, 24)}`;
}

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}
