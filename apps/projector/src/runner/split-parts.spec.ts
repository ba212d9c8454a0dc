import { describe, expect, it } from '@jest/globals';
import { START } from '@relance/event-store';
import type { Projection } from '../projection.js';
import { splitParts, type PreparedPart } from './apply-batch.js';

function part(name: string, rows: number): PreparedPart {
  const projection: Projection = { name, version: 1, tables: [name], handles: [], apply: () => [] };
  const column = Array.from({ length: rows }, (_, i) => i);
  return {
    projection,
    move: { name, from: START, to: { commit: 1n, prepare: 1n }, events: rows },
    statements: [{ text: 'INSERT … FROM unnest($1::int[], $2::int[])', values: [column, column] }],
    events: [],
  };
}

describe('splitParts', () => {
  it('balances the groups by the values their statements carry, heaviest first', () => {
    const groups = splitParts([part('kpis', 100), part('points', 900), part('sales', 500), part('customers', 300)], 2);
    expect(groups.map((g) => g.map((p) => p.projection.name))).toEqual([['points'], ['sales', 'customers', 'kpis']]);
  });

  it('keeps every part exactly once, and never makes more groups than parts', () => {
    const parts = [part('a', 3), part('b', 1)];
    const groups = splitParts(parts, 5);
    expect(groups).toHaveLength(2);
    expect(groups.flat().map((p) => p.projection.name).sort()).toEqual(['a', 'b']);
    expect(splitParts(parts, 1)).toEqual([parts]);
  });

  it('gives a batch with nothing to apply no group', () => {
    expect(splitParts([], 2)).toEqual([]);
  });
});
