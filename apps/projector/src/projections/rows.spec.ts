import { describe, expect, it } from '@jest/globals';
import { ident } from '@relance/platform';
import type { ProjectionContext } from '../projection.js';
import { rows } from './rows.js';

const context = { table: (name: string) => ident(`${name}_next`) } as unknown as ProjectionContext;

describe('rows', () => {
  it('writes the column list, the typed unnest, its aliases and the jsonb cast from one object', () => {
    const r = rows(context, 'consent_history', { merchant_id: 'text', event_id: 'uuid', proof: 'jsonb', at: 'timestamptz' });
    r.push({ merchant_id: 'm', event_id: 'e1', proof: '{"a":1}', at: '2026-01-01T00:00:00.000Z' });
    r.push({ merchant_id: 'm', event_id: 'e2', proof: null, at: '2026-01-02T00:00:00.000Z' });
    const statement = r.insert('ON CONFLICT (merchant_id, event_id) DO NOTHING')!;
    expect(statement.text).toBe(
      'INSERT INTO "consent_history_next" AS t (merchant_id, event_id, proof, at)\n' +
        'SELECT merchant_id, event_id, proof::jsonb, at\n' +
        '  FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[]) AS r(merchant_id, event_id, proof, at)\n' +
        'ON CONFLICT (merchant_id, event_id) DO NOTHING',
    );
    expect(statement.values).toEqual(['{"m","m"}', '{"e1","e2"}', '{"{\\"a\\":1}",NULL}', '{"2026-01-01T00:00:00.000Z","2026-01-02T00:00:00.000Z"}']);
  });

  it('writes nothing when no row was pushed', () => {
    expect(rows(context, 'tier_history', { merchant_id: 'text' }).insert()).toBeNull();
  });

  it('refuses a column name that is not a plain identifier', () => {
    expect(() => rows(context, 'tier_history', { 'merchant_id; DROP TABLE x': 'text' })).toThrow(/Unsafe column name/);
  });
});
