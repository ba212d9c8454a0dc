import { describe, expect, it } from '@jest/globals';
import { formatDate, formatFirstName, formatMoney, letterDateLine } from './formatting.js';

const NBSP = '\u00A0';
const NNBSP = '\u202F';

describe('money', () => {
  it('reads minor units in the currency, in the reader’s conventions', () => {
    expect(formatMoney(1250, 'EUR', 'fr-FR')).toBe(`12,50${NBSP}€`);
    expect(formatMoney(123456789, 'EUR', 'fr-FR')).toBe(`1${NNBSP}234${NNBSP}567,89${NBSP}€`);
    expect(formatMoney(-5, 'EUR', 'fr-FR')).toBe(`-0,05${NBSP}€`);
    expect(formatMoney(1250, 'EUR', 'en-GB')).toBe('€12.50');
    expect(formatMoney(1250, 'GBP', 'fr-FR')).toBe(`12,50${NBSP}£GB`);
  });

  it('knows each currency’s minor unit: none for the yen, three for the Kuwaiti dinar', () => {
    expect(formatMoney(1250, 'JPY', 'ja-JP')).toBe('￥1,250');
    expect(formatMoney(1250, 'KWD', 'en-GB')).toBe(`KWD${NBSP}1.250`);
  });

  it('writes yen and dinars the French way for a French template: grouped thousands, a decimal comma, the code after', () => {
    expect(formatMoney(1250, 'JPY', 'fr-FR')).toBe(`1${NNBSP}250${NBSP}JPY`);
    expect(formatMoney(3500, 'KWD', 'fr-FR')).toBe(`3,500${NBSP}KWD`);
    expect(formatMoney(1250, 'EUR', 'fr-FR')).toBe(`12,50${NBSP}€`);
  });

  it('drops zero decimals when asked to be compact, and only then', () => {
    expect(formatMoney(1000, 'EUR', 'fr-FR', true)).toBe(`10${NBSP}€`);
    expect(formatMoney(1050, 'EUR', 'fr-FR', true)).toBe(`10,50${NBSP}€`);
  });

  it('refuses an amount that is not an integer of minor units', () => {
    expect(() => formatMoney(12.5, 'EUR', 'fr-FR')).toThrow('not an amount in minor units');
  });
});

describe('dates', () => {
  it('shows an instant in the merchant’s time zone, and a calendar date as it is', () => {
    expect(formatDate('2026-12-31T23:30:00Z', 'long', 'fr-FR', 'Europe/Paris')).toBe('1 janvier 2027');
    expect(formatDate('2026-12-31T23:30:00Z', 'long', 'fr-FR', 'America/New_York')).toBe('31 décembre 2026');
    expect(formatDate('2026-12-31', 'long', 'fr-FR', 'Pacific/Kiritimati')).toBe('31 décembre 2026');
    expect(formatDate('2026-11-19', 'weekday', 'fr-FR', 'Europe/Paris')).toBe('jeudi 19 novembre 2026');
    expect(formatDate('2026-11-19', 'short', 'fr-FR', 'Europe/Paris')).toBe('19/11/2026');
    expect(formatDate('2026-12-12T17:00:00Z', 'time', 'fr-FR', 'Europe/Paris')).toBe('18:00');
    expect(formatDate('2026-07-12T17:00:00Z', 'time', 'fr-FR', 'Europe/Paris')).toBe('19:00');
  });

  it('dates a letter from the shop’s town, on the merchant’s day', () => {
    expect(letterDateLine('Lyon', new Date('2026-12-02T23:30:00Z'), 'fr-FR', 'Europe/Paris')).toBe('Lyon, le 3 décembre 2026');
    expect(letterDateLine('Lyon', new Date('2026-12-02T23:30:00Z'), 'en-GB', 'Europe/Paris')).toBe('Lyon, 3 December 2026');
  });

  it('refuses what is not a date, and a time of a calendar date', () => {
    expect(() => formatDate('demain', 'long', 'fr-FR', 'Europe/Paris')).toThrow('not a date');
    expect(() => formatDate('2026-11-19', 'time', 'fr-FR', 'Europe/Paris')).toThrow('has no time');
  });
});

describe('first names', () => {
  it('are written as people write them, and fall back when missing', () => {
    expect(formatFirstName('jean-pierre', 'fr-FR', 'x')).toBe('Jean-Pierre');
    expect(formatFirstName('  ÉLODIE ', 'fr-FR', 'x')).toBe('Élodie');
    expect(formatFirstName("o'brien", 'fr-FR', 'x')).toBe("O'Brien");
    expect(formatFirstName('marie  claire', 'fr-FR', 'x')).toBe('Marie Claire');
    expect(formatFirstName(null, 'fr-FR', 'chère cliente, cher client')).toBe('chère cliente, cher client');
    expect(formatFirstName('   ', 'fr-FR', 'cher client')).toBe('cher client');
  });
});
