import { describe, expect, it } from '@jest/globals';
import { hashSecret, newApiKey, parseApiKey, secretMatches } from './api-key-token.js';

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

  it('are stored as the SHA-256 of the secret, so keys created earlier keep working', () => {
    expect(hashSecret('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('never contain the stored hash', () => {
    const key = newApiKey();
    expect(key.token).not.toContain(key.secretHash.toString('hex'));
    expect(key.token).not.toContain(key.secretHash.toString('base64url'));
  });
});
