import { describe, expect, it } from '@jest/globals';
import { smsSegments } from './sms-segments.js';

describe('smsSegments', () => {
  it('counts a French message written with GSM-7 accents as one GSM-7 segment', () => {
    const text = 'La Cave des Halles : soirée dégustation à 19h, vins du Jura. STOP au 36111';
    expect(smsSegments(text)).toEqual({ encoding: 'GSM-7', units: text.length, segments: 1, nonGsmCharacters: [] });
  });

  it('switches the whole message to UCS-2 for one character outside GSM-7, and names it', () => {
    const result = smsSegments('Fête des vins samedi ! STOP au 36111');
    expect(result.encoding).toBe('UCS-2');
    expect(result.nonGsmCharacters).toEqual(['ê']);
    expect(smsSegments('L’apéritif « offert »').nonGsmCharacters).toEqual(['’', '«', '»']);
  });

  it('applies 160 then 153 per part in GSM-7', () => {
    expect(smsSegments('a'.repeat(160)).segments).toBe(1);
    expect(smsSegments('a'.repeat(161)).segments).toBe(2);
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('applies 70 then 67 per part in UCS-2', () => {
    expect(smsSegments('ê'.repeat(70)).segments).toBe(1);
    expect(smsSegments('ê'.repeat(71)).segments).toBe(2);
    expect(smsSegments('ê'.repeat(134)).segments).toBe(2);
    expect(smsSegments('ê'.repeat(135)).segments).toBe(3);
  });

  it('counts extension characters such as € as two septets', () => {
    const result = smsSegments(`${'a'.repeat(158)}€`);
    expect(result).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments(`${'a'.repeat(159)}€`).segments).toBe(2);
  });

  it('counts an emoji as two UCS-2 units', () => {
    expect(smsSegments('Santé 🍷')).toMatchObject({ encoding: 'UCS-2', units: 8, segments: 1 });
  });

  it('counts an empty body as no segment', () => {
    expect(smsSegments('').segments).toBe(0);
  });
});
