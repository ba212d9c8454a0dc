import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Sealed } from '@relance/domain';
import { PiiUnavailableError, masterKeyId, openJson, sealJson, unwrapKey, wrapKey } from './pii-cipher.js';
import { IdentityIndex } from './identity-index.js';

describe('sealing personal data', () => {
  const key = randomBytes(32);
  const profile = { firstName: 'Élodie', email: 'elodie@example.fr', phone: '+33612345678' };

  it('opens what it sealed, and the sealed text shows none of it', () => {
    const sealed = sealJson(key, profile, 'cave/c1');
    expect(Sealed.safeParse(sealed).success).toBe(true);
    expect(sealed).not.toMatch(/elodie|lodie|33612345678|example/i);
    expect(openJson(key, sealed, 'cave/c1')).toEqual(profile);
  });

  it('uses a fresh nonce each time, so equal profiles do not look equal', () => {
    expect(sealJson(key, profile, 'cave/c1')).not.toBe(sealJson(key, profile, 'cave/c1'));
  });

  it('refuses a blob copied onto another customer', () => {
    const sealed = sealJson(key, profile, 'cave/c1');
    expect(() => openJson(key, sealed, 'cave/c2')).toThrow(PiiUnavailableError);
  });

  it('refuses a tampered blob and a wrong key', () => {
    const sealed = sealJson(key, profile, 'cave/c1');
    const body = sealed.split(':')[3]!;
    const flipped = `${body.slice(0, 5)}${body[5] === 'A' ? 'B' : 'A'}${body.slice(6)}`;
    expect(() => openJson(key, sealed.replace(body, flipped), 'cave/c1')).toThrow(PiiUnavailableError);
    expect(() => openJson(randomBytes(32), sealed, 'cave/c1')).toThrow(PiiUnavailableError);
  });
});

describe('wrapping data keys with the master key', () => {
  it('unwraps only with the same master key and owner', () => {
    const master = randomBytes(32);
    const dataKey = randomBytes(32);
    const wrapped = wrapKey(master, dataKey, 'cave/c1');
    expect(wrapped.length).toBe(12 + 32 + 16);
    expect(unwrapKey(master, wrapped, 'cave/c1').equals(dataKey)).toBe(true);
    expect(() => unwrapKey(master, wrapped, 'cave/c2')).toThrow();
    expect(() => unwrapKey(randomBytes(32), wrapped, 'cave/c1')).toThrow();
    expect(masterKeyId(master)).toMatch(/^[0-9a-f]{16}$/);
    expect(masterKeyId(master)).not.toBe(masterKeyId(randomBytes(32)));
  });
});

describe('identity blind index', () => {
  it('is stable per merchant and differs between merchants and kinds', () => {
    const index = new IdentityIndex(randomBytes(32));
    const a = index.hash('cave-a', 'email', 'elodie@example.fr');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(index.hash('cave-a', 'email', 'elodie@example.fr')).toBe(a);
    expect(index.hash('cave-b', 'email', 'elodie@example.fr')).not.toBe(a);
    expect(index.hash('cave-a', 'phone', 'elodie@example.fr')).not.toBe(a);
  });
});
