import { instantMs } from '../shared/instants.js';
import { compareNumbers, SortedMap } from '../shared/sorted-map.js';

/** Signed amounts by instant (ms): spend (cents) or counts; an instant whose amounts cancel out leaves. */
export function emptySpend(): SortedMap<number, number> {
  return SortedMap.empty(compareNumbers);
}

export function addSpend(map: SortedMap<number, number>, at: string, amount: number): SortedMap<number, number> {
  const key = instantMs(at);
  const sum = (map.get(key) ?? 0) + amount;
  return sum === 0 ? map.delete(key) : map.set(key, sum);
}

/** The sum of the amounts dated within [from, to] (ms, both included): reads only those. */
export function sumBetween(map: SortedMap<number, number>, from: number, to: number): number {
  let sum = 0;
  for (const [at, amount] of map.entries(from)) {
    if (at > to) break;
    sum += amount;
  }
  return sum;
}
