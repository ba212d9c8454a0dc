import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { signatureMatches, signBody } from './webhook-signature.js';

describe('webhook signatures (HMAC-SHA256 of the raw body, base64)', () => {
  const secret = 'hush';
  const body = Buffer.from('{"id":450789469,"total_price":"409.94"}');

  it('accepts the digest the platforms compute', () => {
    const header = createHmac('sha256', secret).update(body).digest('base64');
    expect(signBody(secret, body)).toBe(header);
    expect(signatureMatches(secret, body, header)).toBe(true);
  });

  it('refuses a tampered body, another secret, a hex digest and a missing header', () => {
    const header = signBody(secret, body);
    expect(signatureMatches(secret, Buffer.from(body.toString().replace('409.94', '1.00')), header)).toBe(false);
    expect(signatureMatches('other', body, header)).toBe(false);
    expect(signatureMatches(secret, body, createHmac('sha256', secret).update(body).digest('hex'))).toBe(false);
    expect(signatureMatches(secret, body, undefined)).toBe(false);
    expect(signatureMatches(secret, body, '')).toBe(false);
  });

  it('refuses the digest with anything around it: trailing garbage, spaces, itself twice, another encoding', () => {
    const header = signBody(secret, body);
    for (const form of [
      `${header}garbage`,
      `${header}!!`,
      `${header}\n`,
      ` ${header}`,
      `${header} `,
      `${header},${header}`,
      `${header}, ${header}`,
      `${header} ${header}`,
      header.replace(/=+$/, ''),
      createHmac('sha256', secret).update(body).digest('base64url'),
      header.toLowerCase(),
    ]) {
      expect({ form, matches: signatureMatches(secret, body, form) }).toEqual({ form, matches: false });
    }
  });
});
