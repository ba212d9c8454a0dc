import { describe, expect, it } from '@jest/globals';
import { CurrencyCode, minorUnitOf } from './currency.js';

describe('currencies', () => {
  it('accepts ISO 4217 codes and refuses the rest', () => {
    for (const code of ['EUR', 'GBP', 'JPY', 'KWD', 'CHF']) expect(CurrencyCode.safeParse(code).success).toBe(true);
    for (const code of ['eur', 'EURO', 'XYZ', '€', '']) expect(CurrencyCode.safeParse(code).success).toBe(false);
  });

  it('knows each minor unit', () => {
    expect([minorUnitOf('EUR'), minorUnitOf('GBP'), minorUnitOf('JPY'), minorUnitOf('KWD')]).toEqual([2, 2, 0, 3]);
  });
});
