import { describe, expect, it } from '@jest/globals';
import { isValidEmail, normaliseEmail, normalisePhone } from './identity.js';

describe('email normalisation', () => {
  it('lower-cases and trims, and accepts what a mailbox looks like', () => {
    expect(normaliseEmail('  Elodie.Martin@Example.FR ')).toBe('elodie.martin@example.fr');
    expect(isValidEmail(' Elodie.Martin@Example.FR ')).toBe(true);
  });

  it('refuses what cannot be delivered', () => {
    for (const bad of ['elodie', 'elodie@', '@example.fr', 'elo die@example.fr', 'elodie@example', 'a@b@example.fr']) {
      expect(isValidEmail(bad)).toBe(false);
    }
  });
});

describe('phone normalisation to E.164', () => {
  it('reads French national numbers in any usual writing', () => {
    for (const written of ['06 12 34 56 78', '0612345678', '06.12.34.56.78', '+33 6 12 34 56 78', '0033612345678']) {
      expect(normalisePhone(written)).toBe('+33612345678');
    }
  });

  it('keeps foreign numbers written with their country code', () => {
    expect(normalisePhone('+32 470 12 34 56')).toBe('+32470123456');
  });

  it('refuses numbers that do not exist', () => {
    expect(normalisePhone('0612')).toBeNull();
    expect(normalisePhone('555-625-1199')).toBeNull();
    expect(normalisePhone('bonjour')).toBeNull();
  });
});
