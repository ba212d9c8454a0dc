import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { campaignControlKey, controlBucket, globalControlKey, inControlGroup } from './control-group.js';

const customers = Array.from({ length: 100_000 }, (_, i) => `C${String(i).padStart(6, '0')}`);

describe('a campaign control group', () => {
  it('puts the same customer in the same group on every run', () => {
    const firstRun = customers.slice(0, 2000).map((c) => controlBucket(campaignControlKey('cave', 'anniversaire', c)));
    const secondRun = customers.slice(0, 2000).map((c) => controlBucket(campaignControlKey('cave', 'anniversaire', c)));
    expect(secondRun).toEqual(firstRun);
    // The bucket is the one the documented SQL formula gives (first 4 bytes of sha256, big-endian, mod 10000).
    const d = createHash('sha256').update(campaignControlKey('cave', 'anniversaire', 'C000042')).digest();
    expect(controlBucket(campaignControlKey('cave', 'anniversaire', 'C000042'))).toBe(d.readUInt32BE(0) % 10_000);
  });

  it.each([10, 5, 2.5, 33.33])('holds %s %% of 100,000 customers, within one point', (percent) => {
    const members = customers.filter((c) => inControlGroup(controlBucket(campaignControlKey('cave', 'reactivation', c)), percent)).length;
    expect(Math.abs((members / customers.length) * 100 - percent)).toBeLessThanOrEqual(1);
  });

  it('is drawn independently for each campaign and for the merchant-wide group', () => {
    const inA = customers.filter((c) => inControlGroup(controlBucket(campaignControlKey('cave', 'a', c)), 10));
    const inBoth = inA.filter((c) => inControlGroup(controlBucket(campaignControlKey('cave', 'b', c)), 10));
    const inGlobal = inA.filter((c) => inControlGroup(controlBucket(globalControlKey('cave', c)), 10));
    // Independent draws: about 10 % of campaign A's group is also in B's, and in the global group.
    expect(Math.abs(inBoth.length / inA.length - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(inGlobal.length / inA.length - 0.1)).toBeLessThan(0.02);
  });

  it('is empty at 0 % and everyone at 100 %', () => {
    expect(inControlGroup(0, 0)).toBe(false);
    expect(inControlGroup(9_999, 100)).toBe(true);
  });
});
