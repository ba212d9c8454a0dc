import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { TEST_DATABASE_URL } from '@relance/testing/test-env.js';
import { arrayLiteral } from '../../../apps/projector/src/projections/columns.js';
import { inline, scriptOf } from '../../../apps/projector/src/runner/batch-script.js';

// The projector sends each batch as one script of literals: PostgreSQL must read back exactly what
// it reads from the same values sent as parameters, whatever the text holds.
const TRICKY = ["l'ami", 'back\\slash', 'quote " inside', '{braces}', 'a,b', 'NULL', '', '  spaces  ', 'é à ç œ 🍷', "E'x'", "'; DROP TABLE t; --", '\\x41', '$1 $2'];
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
});
afterAll(async () => client.end());

describe('batch scripts', () => {
  it('round-trips every string, as a scalar and inside a column array, as parameters would', async () => {
    for (const value of TRICKY) {
      const statement = { text: 'SELECT $1::text AS scalar, $2::text[] AS list', values: [value, arrayLiteral([value, null, value])] };
      const viaParameters = await client.query(statement);
      const viaScript = await client.query(inline(statement));
      expect(viaScript.rows).toEqual(viaParameters.rows);
      expect(viaScript.rows[0]).toEqual({ scalar: value, list: [value, null, value] });
    }
  });

  it('runs several statements in one round trip, in order, within one transaction', async () => {
    await client.query('CREATE TEMP TABLE script_probe (v text)');
    const results = (await client.query(
      `BEGIN;\n${scriptOf([
        { text: 'INSERT INTO script_probe SELECT unnest($1::text[])', values: [arrayLiteral(TRICKY)] },
        { text: 'SELECT count(*)::int AS n FROM script_probe WHERE v = ANY($1::text[])', values: [TRICKY] },
      ])}`,
    )) as unknown as pg.QueryResult[];
    expect(results.at(-1)!.rows[0]).toEqual({ n: TRICKY.length });
    await client.query('ROLLBACK');
    expect((await client.query('SELECT count(*)::int AS n FROM script_probe')).rows[0]).toEqual({ n: 0 });
  });
});
