import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { compareNumbers, compareStrings, SortedMap } from './sorted-map.js';

type Op = { kind: 'set'; key: number; value: string } | { kind: 'delete'; key: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: -50, max: 50 }), value: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: -50, max: 50 }) }),
);

/** Heights of both subtrees differ by at most one everywhere, and the keys are in order. */
function checkShape(map: SortedMap<number, string>): void {
  const root = (map as unknown as { root: TreeNode | null }).root;
  const walk = (node: TreeNode | null, low: number, high: number): number => {
    if (!node) return 0;
    expect(node.key).toBeGreaterThan(low);
    expect(node.key).toBeLessThan(high);
    const left = walk(node.left, low, node.key);
    const right = walk(node.right, node.key, high);
    expect(Math.abs(left - right)).toBeLessThanOrEqual(1);
    expect(node.height).toBe(1 + Math.max(left, right));
    return node.height;
  };
  walk(root, -Infinity, Infinity);
}
interface TreeNode {
  key: number;
  left: TreeNode | null;
  right: TreeNode | null;
  height: number;
}

describe('a sorted map', () => {
  it('holds what a plain map holds after any sequence of sets and deletes, in key order, balanced', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        let map = SortedMap.empty<number, string>(compareNumbers);
        const model = new Map<number, string>();
        for (const o of ops) {
          if (o.kind === 'set') {
            map = map.set(o.key, o.value);
            model.set(o.key, o.value);
          } else {
            map = map.delete(o.key);
            model.delete(o.key);
          }
        }
        const expected = [...model.entries()].sort((a, b) => a[0] - b[0]);
        expect([...map.entries()]).toEqual(expected);
        expect(map.size).toBe(model.size);
        const keys = Array.from({ length: 101 }, (_, i) => i - 50);
        expect(keys.map((k) => [map.get(k), map.has(k)])).toEqual(keys.map((k) => [model.get(k), model.has(k)]));
        expect(map.first()).toEqual(expected[0]);
        checkShape(map);
      }),
    );
  });

  it('leaves every earlier version as it was', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
        const versions: { map: SortedMap<number, string>; entries: [number, string][] }[] = [];
        let map = SortedMap.empty<number, string>(compareNumbers);
        for (const o of ops) {
          map = o.kind === 'set' ? map.set(o.key, o.value) : map.delete(o.key);
          versions.push({ map, entries: [...map.entries()] });
        }
        for (const v of versions) expect([...v.map.entries()]).toEqual(v.entries);
      }),
    );
  });

  it('iterates from the first key at or after a bound', () => {
    let map = SortedMap.empty<number, string>(compareNumbers);
    for (const k of [10, 20, 30, 40]) map = map.set(k, `v${k}`);
    expect([...map.keys(20)]).toEqual([20, 30, 40]);
    expect([...map.keys(21)]).toEqual([30, 40]);
    expect([...map.keys(41)]).toEqual([]);
    expect([...map.values(0)]).toEqual(['v10', 'v20', 'v30', 'v40']);
  });

  it('returns itself when nothing changes, so an unchanged state shares everything', () => {
    const map = SortedMap.empty<string, number>(compareStrings).set('a', 1).set('b', 2);
    expect(map.set('a', 1)).toBe(map);
    expect(map.delete('zzz')).toBe(map);
    expect(map.set('a', 3).get('a')).toBe(3);
  });

  it('copies a logarithmic number of nodes per change, not the whole map', () => {
    let map = SortedMap.empty<number, number>(compareNumbers);
    for (let i = 0; i < 10_000; i++) map = map.set(i, i);
    const before = nodesOf(map);
    const after = nodesOf(map.set(5_000, -1));
    let fresh = 0;
    for (const node of after) if (!before.has(node)) fresh++;
    expect(fresh).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(10_000)));
  });
});

function nodesOf(map: SortedMap<number, number>): Set<object> {
  const all = new Set<object>();
  const walk = (node: { left: object | null; right: object | null } | null): void => {
    if (!node) return;
    all.add(node);
    walk(node.left as never);
    walk(node.right as never);
  };
  walk((map as unknown as { root: never }).root);
  return all;
}
