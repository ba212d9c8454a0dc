import { describe, expect, it } from '@jest/globals';
import { listUnsubscribeHeaders, signUnsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken } from './unsubscribe-token.js';

const SECRET = 'a-secret-of-at-least-16-characters';
const claims = { merchantId: 'cave-demo', customerId: 'C-0042', channel: 'email', messageId: '0193a5c2-7d4e-7b21-9f3a-5c8e2d1b4a60' } as const;

describe('an opt-out token', () => {
  it('says who, which channel and which message, and is verified with the secret that signed it', () => {
    const token = signUnsubscribeToken(SECRET, claims);
    expect(token).toMatch(/^u1\.cave-demo\.C-0042\.email\.0193a5c2-7d4e-7b21-9f3a-5c8e2d1b4a60\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUnsubscribeToken(SECRET, token)).toEqual(claims);
  });

  it('is refused when any part was changed, when signed with another secret, or when malformed', () => {
    const token = signUnsubscribeToken(SECRET, claims);
    expect(verifyUnsubscribeToken(SECRET, token.replace('C-0042', 'C-0043'))).toBeNull();
    expect(verifyUnsubscribeToken(SECRET, token.replace('.email.', '.sms.'))).toBeNull();
    expect(verifyUnsubscribeToken(SECRET, token.replace('cave-demo', 'autre-cave'))).toBeNull();
    expect(verifyUnsubscribeToken(SECRET, `${token.slice(0, -2)}AA`)).toBeNull();
    expect(verifyUnsubscribeToken('another-secret-of-16-chars', token)).toBeNull();
    expect(verifyUnsubscribeToken(SECRET, token.replace('u1.', 'u2.'))).toBeNull();
    expect(verifyUnsubscribeToken(SECRET, 'u1.cave-demo.C-0042.email')).toBeNull();
    expect(verifyUnsubscribeToken(SECRET, token.replace('.email.', '.fax.'))).toBeNull();
  });

  it('keeps working while its secret is being replaced', () => {
    const old = signUnsubscribeToken('the-previous-secret-value', claims);
    expect(verifyUnsubscribeToken([SECRET, 'the-previous-secret-value'], old)).toEqual(claims);
  });

  it('refuses to sign ids that would not survive in a URL, and a short secret', () => {
    expect(() => signUnsubscribeToken(SECRET, { ...claims, customerId: 'a.b' })).toThrow('customerId "a.b" cannot go in an opt-out link');
    expect(() => signUnsubscribeToken('short', claims)).toThrow('at least 16 characters');
  });
});

describe('the opt-out URL and headers', () => {
  it('is an https link on the engine, given with the RFC 8058 one-click headers', () => {
    const url = unsubscribeUrl('https://engine.example/u/', SECRET, claims);
    expect(url).toBe(`https://engine.example/u/${signUnsubscribeToken(SECRET, claims)}`);
    expect(listUnsubscribeHeaders(url)).toEqual({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
  });

  it('must be https, except on this machine', () => {
    expect(() => unsubscribeUrl('http://engine.example/u', SECRET, claims)).toThrow('must be https');
    expect(unsubscribeUrl('http://127.0.0.1:3000/u', SECRET, claims)).toMatch(/^http:\/\/127\.0\.0\.1:3000\/u\/u1\./);
  });
});
