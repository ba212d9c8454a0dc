import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Who may read the operator endpoints (/metrics, the OpenAPI document). A request is local when it
 * arrived on a loopback connection and no proxy forwarded it: the engine trusts X-Forwarded-For for
 * client addresses, so the socket's own address is what counts, and a forwarding header means the
 * request came from elsewhere through a proxy on this host.
 */
export function isLocalRequest(remoteAddress: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (headers['x-forwarded-for'] !== undefined || headers.forwarded !== undefined || headers['x-real-ip'] !== undefined) return false;
  if (!remoteAddress) return false;
  return remoteAddress === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(remoteAddress);
}

/** The credential of `Authorization: Bearer <token>`, as sent (nothing trimmed but the scheme's single space). */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const header = headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : null;
}

/** Exact comparison in constant time (both sides hashed first, so lengths leak nothing either). */
export function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
