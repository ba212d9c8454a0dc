import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Shopify (X-Shopify-Hmac-Sha256) and WooCommerce (X-WC-Webhook-Signature) both sign the raw request
 * body with HMAC-SHA256 and send the digest in base64. Computed over the bytes received (a body
 * re-serialised from parsed JSON would not match).
 */
export function signBody(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/**
 * The header must be exactly the digest as the platforms write it: standard base64 with its padding,
 * nothing before or after. It is compared as text, in constant time, never decoded first: a base64
 * decoder skips what it does not understand and stops at the first padding, so trailing garbage,
 * spaces or the signature twice would otherwise decode to the right bytes.
 */
export function signatureMatches(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, rawBody), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
