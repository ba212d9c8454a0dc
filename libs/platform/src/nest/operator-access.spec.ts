import { describe, expect, it } from '@jest/globals';
import { bearerToken, isLocalRequest, tokenMatches } from './operator-access.js';

describe('operator access', () => {
  it('counts as local a loopback connection no proxy forwarded', () => {
    for (const address of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) expect(isLocalRequest(address, {})).toBe(true);
    for (const address of ['10.0.0.7', '192.168.1.2', '::ffff:10.0.0.7', 'fe80::1', '1270.0.0.1', undefined]) expect(isLocalRequest(address, {})).toBe(false);
  });

  it('counts as remote anything a proxy forwarded, whatever the connection', () => {
    expect(isLocalRequest('127.0.0.1', { 'x-forwarded-for': '127.0.0.1' })).toBe(false);
    expect(isLocalRequest('127.0.0.1', { forwarded: 'for=192.0.2.60' })).toBe(false);
    expect(isLocalRequest('::1', { 'x-real-ip': '203.0.113.9' })).toBe(false);
  });

  it('compares bearer tokens exactly', () => {
    expect(bearerToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(bearerToken({ authorization: 'Basic abc' })).toBeNull();
    expect(bearerToken({})).toBeNull();
    expect(tokenMatches('a-token-long-enough', 'a-token-long-enough')).toBe(true);
    for (const given of ['a-token-long-enoug', 'a-token-long-enough ', 'a-token-long-enough,a-token-long-enough', '', null]) {
      expect(tokenMatches(given, 'a-token-long-enough')).toBe(false);
    }
  });
});
