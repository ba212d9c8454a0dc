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
