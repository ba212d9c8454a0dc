import { sha256, toHex } from './sha256.js';

/** Our ids are at most 64 characters (primitives.ts `Id`). */
const MAX_ID_LENGTH = 64;

/** FNV-1a, 32 bits: a short, stable fingerprint (not a security hash). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * An id derived from another (`<purchaseId>-auto-1`), deterministic so that deciding twice gives the
 * same ids. When the result would be too long, the base is shortened and a fingerprint of it keeps
 * it distinct.
 */
export function derivedId(base: string, suffix: string): string {
  const plain = `${base}-${suffix}`;
  if (plain.length <= MAX_ID_LENGTH) return plain;
  const fingerprint = fnv1a(base);
  const room = MAX_ID_LENGTH - suffix.length - fingerprint.length - 2;
  return `${base.slice(0, Math.max(1, room))}-${fingerprint}-${suffix}`;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/**
 * An id named after a key (`msg-<26 base32 characters>`, 130 bits of sha256(key)): deciding the same
 * thing again names it alike, and distinct keys never meet in practice, whatever their length.
 */
export function hashedId(prefix: string, key: string): string {
  if (prefix.length + 27 > MAX_ID_LENGTH) throw new RangeError(`hashedId: prefix "${prefix}" is too long`);
  return `${prefix}-${base32(sha256(key)).slice(0, 26)}`;
}

/**
 * A UUIDv7 derived from a key: its time is `instant` (so ids still sort by when things happened) and
 * its other 74 bits come from sha256(key). An event store keeps an event id once, so two processes,
 * or a re-run, deciding the same key append its events once.
 */
export function derivedUuidV7(instant: string, key: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`derivedUuidV7: not an instant: "${instant}"`);
  const hash = sha256(key);
  const bytes = new Uint8Array(16);
  let time = Math.max(0, ms);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes[6] = 0x70 | (hash[0]! & 0x0f);
  bytes[7] = hash[1]!;
  bytes[8] = 0x80 | (hash[2]! & 0x3f);
  bytes.set(hash.subarray(3, 10), 9);
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
