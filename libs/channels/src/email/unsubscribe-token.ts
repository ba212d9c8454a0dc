import { createHmac, timingSafeEqual } from 'node:crypto';
import { CHANNELS, type Channel } from '@relance/domain';

/** Who and what an opt-out link is about. */
export interface UnsubscribeClaims {
  readonly merchantId: string;
  readonly customerId: string;
  readonly channel: Channel;
  readonly messageId: string;
}

const VERSION = 'u1';
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * `u1.<merchant>.<customer>.<channel>.<message>.<signature>`: our ids never contain a dot, so the
 * token needs no encoding and stays ASCII (it travels in a List-Unsubscribe header). The signature
 * is HMAC-SHA256 of everything before it, keyed with the configured secret, in base64url. The token
 * does not expire: an opt-out link in an old email must still work.
 */
export function signUnsubscribeToken(secret: string, claims: UnsubscribeClaims): string {
  for (const [name, value] of Object.entries({ merchantId: claims.merchantId, customerId: claims.customerId, messageId: claims.messageId })) {
    if (!ID.test(value)) throw new Error(`${name} "${value}" cannot go in an opt-out link (letters, digits, "-" or "_")`);
  }
  if (!CHANNELS.includes(claims.channel)) throw new Error(`unknown channel "${claims.channel}"`);
  if (secret.length < 16) throw new Error('the opt-out link secret must be at least 16 characters');
  const payload = [VERSION, claims.merchantId, claims.customerId, claims.channel, claims.messageId].join('.');
  return `${payload}.${mac(secret, payload)}`;
}

/**
 * The claims of a genuine token, or null. Several secrets may be given while one is being replaced:
 * links signed with the previous secret keep working.
 */
export function verifyUnsubscribeToken(secrets: string | readonly string[], token: string): UnsubscribeClaims | null {
  const parts = token.split('.');
  if (parts.length !== 6 || parts[0] !== VERSION) return null;
  const [, merchantId, customerId, channel, messageId, signature] = parts as [string, string, string, string, string, string];
  if (![merchantId, customerId, messageId].every((id) => ID.test(id))) return null;
  if (!(CHANNELS as readonly string[]).includes(channel)) return null;
  const payload = parts.slice(0, 5).join('.');
  const given = Buffer.from(signature, 'base64url');
  const genuine = (typeof secrets === 'string' ? [secrets] : secrets).some((secret) => {
    const expected = Buffer.from(mac(secret, payload), 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return genuine ? { merchantId, customerId, channel: channel as Channel, messageId } : null;
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/**
 * The opt-out URL on the engine: `<base>/<token>`. Must be HTTPS: mail clients only offer one-click
 * unsubscribe (RFC 8058) for an https URI. Plain http is allowed for a loopback host only (a demo
 * engine on this machine, whose messages go to the outbox).
 */
export function unsubscribeUrl(baseUrl: string, secret: string, claims: UnsubscribeClaims): string {
  const base = new URL(baseUrl);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(base.hostname);
  if (base.protocol !== 'https:' && !(base.protocol === 'http:' && loopback)) {
    throw new Error(`the opt-out base URL must be https (got ${base.protocol}//${base.host})`);
  }
  return `${base.toString().replace(/\/+$/, '')}/${signUnsubscribeToken(secret, claims)}`;
}

/**
 * RFC 2369 and RFC 8058 headers: the https URL first (what one-click clients POST
 * `List-Unsubscribe=One-Click` to), then an optional mailto for clients that only send mail.
 */
export function listUnsubscribeHeaders(url: string, mailto?: string | null): Record<string, string> {
  const targets = [`<${url}>`];
  if (mailto) targets.push(`<mailto:${mailto}>`);
  return { 'List-Unsubscribe': targets.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}
