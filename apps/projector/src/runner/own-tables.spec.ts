import { describe, expect, it } from '@jest/globals';
import { ident, sql } from '@relance/platform';
import type { Projection, ProjectedEvent, ProjectionContext } from '../projection.js';
import { statementsOf } from './apply-batch.js';

const context = { table: (name: string) => ident(name) } as unknown as ProjectionContext;
const event = { type: 'TierChanged', data: {}, metadata: { merchantId: 'm' } } as unknown as ProjectedEvent;

const projection = (writes: string): Projection => ({
  name: 'demo',
  version: 1,
  tables: ['demo_rows'],
  handles: ['TierChanged'],
  apply: (_events, ctx) => [sql`DELETE FROM ${ctx.table(writes)}`],
});

describe("a projection's tables", () => {
  it('are what context.table() answers', () => {
    expect(statementsOf(projection('demo_rows'), [event], context)).toEqual([{ text: 'DELETE FROM "demo_rows"', values: [] }]);
  });

  it('are the only ones: a table the projection does not declare fails its apply, naming it', () => {
    expect(() => statementsOf(projection('customers'), [event], context)).toThrow(
      'demo.apply threw: Projection demo uses table customers, which it does not declare (its tables: demo_rows)',
    );
  });
});
