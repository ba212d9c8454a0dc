import { describe, expect, it } from '@jest/globals';
import { ItemFailure, MicroBatcher } from './micro-batcher.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('MicroBatcher', () => {
  it('sends a lone item at once, and groups what arrives while a batch is in flight', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      batches.push([...items]);
      await tick();
      return items.map((n) => n * 10);
    }, String);
    const first = batcher.submit(1);
    const rest = [2, 3, 4].map((n) => batcher.submit(n));
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('never puts two items with the same key in one batch', async () => {
    const batches: string[][] = [];
    const batcher = new MicroBatcher<string, string>(async (items) => {
      batches.push([...items]);
      await tick();
      return items;
    }, (s) => s.split(':')[0]!);
    await Promise.all(['a:1', 'b:1', 'a:2', 'c:1', 'a:3'].map((s) => batcher.submit(s)));
    expect(batches[0]).toEqual(['a:1']);
    expect(batches[1]).toEqual(['b:1', 'a:2', 'c:1']);
    expect(batches[2]).toEqual(['a:3']);
  });

  it('rejects every item of a failed batch, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>(async (items) => {
      calls++;
      await tick();
      if (calls === 2) throw new Error('down');
      return items;
    }, String);
    const first = batcher.submit(1);
    const failed = [batcher.submit(2), batcher.submit(3)];
    await first;
    await expect(Promise.all(failed)).rejects.toThrow('down');
    expect(await batcher.submit(4)).toBe(4);
  });

  it('rejects only the item a flush reports as failed', async () => {
    const batcher = new MicroBatcher<number, number>(async (items) => {
      await tick();
      return items.map((n) => (n % 2 ? n : new ItemFailure(new Error(`even ${n}`))));
    }, String);
    const first = batcher.submit(1);
    const results = await Promise.allSettled([first, batcher.submit(2), batcher.submit(3)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([1, 'even 2', 3]);
  });

  it('keeps a key out of every batch while one with that key is in flight, with batches running side by side', async () => {
    const batches: string[][] = [];
    const batcher = new MicroBatcher<string, string>(async (items) => {
      batches.push([...items]);
      await tick();
      return items;
    }, (s) => s.split(':')[0]!, { maxConcurrent: 2 });
    await Promise.all(['a:1', 'a:2', 'b:1', 'a:3'].map((s) => batcher.submit(s)));
    // a:1 goes alone; a:2 waits for it although a second slot is free, b:1 does not.
    expect(batches).toEqual([['a:1'], ['b:1'], ['a:2'], ['a:3']]);
  });

  it('closes a batch at its weight, but sends an item heavier than that alone rather than never', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      batches.push([...items]);
      await tick();
      return items;
    }, String, { weightOf: (n) => n, maxWeight: 10 });
    await Promise.all([1, 4, 5, 3, 25, 2].map((n) => batcher.submit(n)));
    expect(batches).toEqual([[1], [4, 5], [3, 2], [25]]);
  });
});
