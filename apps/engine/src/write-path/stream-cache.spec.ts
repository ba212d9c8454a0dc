import { describe, expect, it } from '@jest/globals';
import { StreamCache } from './stream-cache.js';

const entry = (n: number) => ({ state: { n }, revision: BigInt(n) });

describe('the stream cache', () => {
  it('holds states up to its budget in bytes, letting the least recently used go first', () => {
    const cache = new StreamCache(1000);
    cache.set('a', entry(1), 400);
    cache.set('b', entry(2), 400);
    expect(cache.get('a')?.state).toEqual({ n: 1 });
    cache.set('c', entry(3), 400);
    // b was the least recently used: a was read after it was set.
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.revision).toBe(1n);
    expect(cache.get('c')?.revision).toBe(3n);
    expect(cache.bytes).toBe(800);
    expect(cache.size).toBe(2);
  });

  it('lets several small states go for one large one, and keeps none larger than the whole budget', () => {
    const cache = new StreamCache(1000);
    for (const id of ['a', 'b', 'c', 'd']) cache.set(id, entry(1), 200);
    cache.set('big', entry(9), 700);
    expect([...['a', 'b', 'c', 'd', 'big']].filter((id) => cache.get(id) !== undefined)).toEqual(['d', 'big']);
    expect(cache.bytes).toBe(900);
    cache.set('huge', entry(10), 1001);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.bytes).toBe(900);
  });

  it('counts a replaced or deleted state out of its bytes', () => {
    const cache = new StreamCache(1000);
    cache.set('a', entry(1), 300);
    cache.set('a', entry(2), 500);
    expect(cache.bytes).toBe(500);
    expect(cache.get('a')?.revision).toBe(2n);
    cache.delete('a');
    cache.delete('a');
    expect(cache.bytes).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('keeps nothing with a budget of 0', () => {
    const cache = new StreamCache(0);
    cache.set('a', entry(1), 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
