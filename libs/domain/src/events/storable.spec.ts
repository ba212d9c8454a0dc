import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { StorableText, unstorableParts, unstorableReason } from './storable.js';

describe('unstorableReason', () => {
  it('names NUL and unpaired surrogates, high or low, wherever they are', () => {
    expect(unstorableReason('Jean\u0000ne')).toMatch(/NUL character \(U\+0000\)/);
    expect(unstorableReason('\ud83c')).toMatch(/unpaired surrogate \(U\+D83C\)/);
    expect(unstorableReason('vin \udf77')).toMatch(/unpaired surrogate \(U\+DF77\)/);
    expect(unstorableReason('\udf77\ud83c')).toMatch(/U\+DF77/);
    expect(unstorableReason('a\ud83c\ud83c\udf77')).toMatch(/U\+D83C/);
  });

  it('lets every other character through: pairs, controls, non-characters, private use', () => {
    for (const text of ['', 'Zoë', '\u{1F377}', '\t\n\r\u0001\u001f\u007f\u0085', '\ufffe\uffff', '\ue000', '\u{10FFFF}', '\u200d\u2028']) {
      expect(unstorableReason(text)).toBeNull();
    }
  });

  it('agrees with UTF-8: text is storable exactly when it survives encoding and holds no NUL', () => {
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (text) => {
        const wellFormed = decoder.decode(encoder.encode(text)) === text;
        expect(unstorableReason(text) === null).toBe(wellFormed && !text.includes('\u0000'));
      }),
      { numRuns: 2000, seed: 16 },
    );
  });
});

describe('unstorableParts', () => {
  it('walks arrays, objects and their keys, with the path of each part', () => {
    const value = { lines: [{ name: 'ok' }, { name: 'b\u0000d' }], basis: { ['k\ud800']: 1 }, n: 3, none: null };
    expect(unstorableParts(value, ['data'])).toEqual([
      { path: ['data', 'lines', 1, 'name'], reason: expect.stringMatching(/NUL/) },
      { path: ['data', 'basis', 'k\ud800'], reason: expect.stringMatching(/^its name contains an unpaired surrogate/) },
    ]);
    expect(unstorableParts({ a: ['fine', { b: '\u{1F377}' }] })).toEqual([]);
  });
});

describe('StorableText', () => {
  it('refuses unstorable text before any other check, so no message quotes it', () => {
    const Name = StorableText.trim().min(1).max(5);
    const result = Name.safeParse('\u0000 far too long');
    expect(result.success).toBe(false);
    expect(result.error!.issues).toHaveLength(1);
    expect(result.error!.issues[0]!.message).toMatch(/NUL/);
    expect(Name.parse('  Zoë  ')).toBe('Zoë');
  });
});
