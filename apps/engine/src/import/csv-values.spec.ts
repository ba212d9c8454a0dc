import { describe, expect, it } from '@jest/globals';
import { flag, instant, localDate, RowProblem, wholeNumber } from './csv-values.js';
import { normaliseHeader } from './csv-source.js';

describe('values of French and English POS exports', () => {
  it('reads dates in the merchant’s zone, and ISO instants as they are', () => {
    expect(instant('14/03/2026 10:05', 'date', 'Europe/Paris')).toBe('2026-03-14T09:05:00.000Z');
    expect(instant('2026-07-01 10:05:30', 'date', 'Europe/Paris')).toBe('2026-07-01T08:05:30.000Z');
    expect(instant('2026-07-01T10:05:00+02:00', 'date', 'Europe/Paris')).toBe('2026-07-01T08:05:00.000Z');
    expect(instant('01/07/2026', 'date', 'Europe/Paris')).toBe('2026-06-30T22:00:00.000Z');
    expect(() => instant('31/02/2026', 'date', 'Europe/Paris')).toThrow('not a calendar date');
    expect(() => instant('hier', 'date', 'Europe/Paris')).toThrow(RowProblem);
  });

  it('reads flags, quantities, birth dates and headers', () => {
    expect(flag('Oui', 'promo')).toBe(true);
    expect(flag('', 'promo')).toBe(false);
    expect(() => flag('peut-être', 'promo')).toThrow('promo: "peut-être" is not oui/non, 1/0 or yes/no');
    expect(wholeNumber('3', 'qte')).toBe(3);
    expect(wholeNumber('3,00', 'qte')).toBe(3);
    expect(wholeNumber('-1', 'qte')).toBe(-1);
    expect(() => wholeNumber('1,5', 'qte')).toThrow(RowProblem);
    expect(localDate('14/03/1985', 'naissance')).toBe('1985-03-14');
    expect(localDate('', 'naissance')).toBeUndefined();
    expect(normaliseHeader(' Prix unitaire ')).toBe('prix_unitaire');
    expect(normaliseHeader('E-mail')).toBe('e_mail');
    expect(normaliseHeader('Catégorie')).toBe('categorie');
  });
});
