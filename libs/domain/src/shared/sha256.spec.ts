import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { EventMetadata } from '../events/metadata.js';
import { Id } from '../events/primitives.js';
import { derivedUuidV7, hashedId } from './derived-id.js';
import { sha256Hex } from './sha256.js';

describe('sha256 in plain TypeScript', () => {
  it('agrees with node:crypto on the standard vectors and around the block boundaries', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (let length = 50; length <= 130; length++) {
      const text = 'é'.repeat(length % 7) + 'x'.repeat(length);
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });

  it('agrees with node:crypto on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('ids derived from a decision key', () => {
  const at = '2026-11-19T08:00:00.000Z';

  it('are UUIDv7 carrying the instant, the same on every derivation, distinct per key', () => {
    const id = derivedUuidV7(at, 'cave|beaujolais|alice|2026-11-19|decision');
    expect(EventMetadata.shape.eventId.safeParse(id).success).toBe(true);
    expect(derivedUuidV7(at, 'cave|beaujolais|alice|2026-11-19|decision')).toBe(id);
    expect(derivedUuidV7(at, 'cave|beaujolais|bob|2026-11-19|decision')).not.toBe(id);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.parse(at));
  });

  it('never change: stored events depend on them', () => {
    // Computed apart with node:crypto (time bytes, then sha256('k') laid out as derivedEventId does).
    expect(derivedUuidV7(at, 'k')).toBe('01a1f2d1-d400-7254-8329-a92850f6d539');
    expect(hashedId('msg', 'k')).toBe('msg-qjkmgknjfbipnvjz3u3w6saw5y');
  });

  it('name messages and vouchers with valid ids, whatever the key length', () => {
    const long = 'x'.repeat(500);
    for (const key of ['k', long, `${long}y`]) expect(Id.safeParse(hashedId('msg', key)).success).toBe(true);
    expect(hashedId('msg', long)).not.toBe(hashedId('msg', `${long}y`));
  });
});
