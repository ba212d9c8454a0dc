import { describe, expect, it } from '@jest/globals';
import { factsOf } from './profile-opener.js';

const ADDRESS = { line1: '3 rue des Halles', postalCode: '69001', city: 'Lyon', country: 'FR' };

describe('the facts projections get from an opened profile', () => {
  it('keeps a well-formed birth date and says a complete address can take a letter', () => {
    expect(factsOf({ firstName: 'Élodie', birthDate: '1985-03-14', postalAddress: ADDRESS })).toEqual({ readable: true, birthDate: '1985-03-14', postalReachable: true });
  });

  it('counts an address without a street line, postal code or city, or a blank one, as unreachable', () => {
    for (const missing of ['line1', 'postalCode', 'city'] as const) {
      expect(factsOf({ postalAddress: { ...ADDRESS, [missing]: undefined } }).postalReachable).toBe(false);
      expect(factsOf({ postalAddress: { ...ADDRESS, [missing]: '  ' } }).postalReachable).toBe(false);
    }
    expect(factsOf({ postalAddress: null })).toEqual({ readable: true, birthDate: null, postalReachable: false });
    expect(factsOf({ postalAddress: 'somewhere' }).postalReachable).toBe(false);
  });

  it('says nothing of a profile that did not open', () => {
    expect(factsOf(null)).toEqual({ readable: false, birthDate: null, postalReachable: false });
  });
});
