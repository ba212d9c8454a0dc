import { describe, expect, it } from '@jest/globals';
import { newApiKey, parseApiKey, secretMatches } from './api-key-token.js';

describe('API key tokens', () => {
  it('parse back to their key id, and only their own secret matches the stored hash', () => {
    const key = newApiKey();
    const parsed = parseApiKey(key.token);
    expect(parsed?.keyId).toBe(key.keyId);
    expect(secretMatches(parsed!.secret, key.secretHash)).toBe(true);
    const other = parseApiKey(newApiKey().token)!;
    expect(secretMatches(other.secret, key.secretHash)).toBe(false);
  });

  it('are refused when malformed', () => {
    const key = newApiKey();
    expect(parseApiKey(`${key.token}x`)).toBeNull();
    expect(parseApiKey(key.token.replace('rk_', 'pk_'))).toBeNull();
    expect(parseApiKey('')).toBeNull();
  });

  it('never contain the stored hash', () => {
    const key = newApiKey();
    expect(key.token).not.toContain(key.secretHash.toString('hex'));
    expect(key.token).not.toContain(key.secretHash.toString('base64url'));
  });
});
