import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PostgresEventStore } from '@relance/event-store';
import { createPool, CustomerKeyStore, migrate, MIGRATIONS_DIR, type Pool } from '@relance/platform';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { rebuild } from '../../../apps/projector/src/rebuild/rebuild.js';
import { ProfileOpener } from '../../../apps/projector/src/runner/profile-opener.js';
import { TEST_DATABASE_URL } from '../../support/test-env.js';
import { quietLogger, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { Shop } from './support/shop.js';

const run = promisify(execFile);

// A database whose customers read model was written in clear (migrations up to 0029, rows as the first
// version of the projection wrote them, a rebuild half done) is upgraded: the clear values leave the
// table, the rows stay and keep serving, and a rebuild fills the sealed profile from the log.
describe('upgrading a customers read model that held personal data in clear', () => {
  const schema = `p_upgrade_${randomUUID().slice(0, 8)}`;
  let url: string;
  let pool: Pool;
  let store: PostgresEventStore;
  let keys: CustomerKeyStore;
  let shop: Shop;
  let oldMigrations: string;

  beforeAll(async () => {
    const admin = createPool(TEST_DATABASE_URL, { max: 1 });
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();
    const parsed = new URL(TEST_DATABASE_URL);
    parsed.searchParams.set('options', `-c search_path=${schema}`);
    url = parsed.toString();
    oldMigrations = await mkdtemp(path.join(os.tmpdir(), 'relance-old-migrations-'));
    for (const file of await readdir(MIGRATIONS_DIR)) if (file < '0030') await copyFile(path.join(MIGRATIONS_DIR, file), path.join(oldMigrations, file));
    await migrate(url, oldMigrations);
    pool = createPool(url, { max: 4 });
    store = new PostgresEventStore(pool, { connectionString: url, polling: { idlePollMs: 200 } });
    keys = new CustomerKeyStore(pool, randomBytes(32));
    shop = await Shop.open({ keys, store } as unknown as ProjectorEnv);

    await shop.enrol('rose', '2026-02-01T10:00:00.000Z', { firstName: 'Rosalinde-Rz3', lastName: 'Mirabeau-Tq8', email: 'rosalinde.rz3@example.org', phone: '+33644556677', birthDate: '1969-07-04' });
    await shop.purchase('rose', 'T-1', '2026-02-02T10:00:00.000Z', [{ lineNo: 1, sku: 'A', name: 'Vin', category: 'rouge', quantity: 1, unitPriceCents: 25000, discountCents: 0, promo: false, totalCents: 25000 }]);
    // As version 1 of the projection wrote it, checkpoint at the head of the log.
    await pool.query(
      `INSERT INTO customers (merchant_id, customer_id, status, customer_type, locale, profile_readable, first_name, last_name, email, phone, birth_date,
                              email_key, points_balance, tier, enrolled_at, updated_at, revision)
       VALUES ($1, 'rose', 'active', 'b2c', 'fr-FR', true, 'Rosalinde-Rz3', 'Mirabeau-Tq8', 'rosalinde.rz3@example.org', '+33644556677', '1969-07-04',
               $2, 50, 'decouverte', '2026-02-01T10:00:00Z', '2026-02-02T10:00:00Z', 2)`,
      [shop.merchantId, 'e'.repeat(64)],
    );
    await pool.query(
      `INSERT INTO projection_checkpoints (name, version, commit_position, prepare_position)
       SELECT 'customers', 1, transaction_id::text::bigint, global_position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    // A rebuild under way, its twin table with the old columns.
    await pool.query('CREATE TABLE customers_next (LIKE customers INCLUDING ALL)');
    await pool.query('INSERT INTO customers_next SELECT * FROM customers');
    await pool.query(`INSERT INTO projection_rebuilds (name, status, version) VALUES ('customers', 'building', 1)`);
    await pool.query(`INSERT INTO projection_rebuild_checkpoints (name, version, commit_position, prepare_position) VALUES ('customers', 1, 0, 0)`);
  }, 60_000);

  afterAll(async () => {
    await store.close();
    await pool.end();
    await rm(oldMigrations, { recursive: true, force: true });
    const cleanup = createPool(TEST_DATABASE_URL, { max: 1 });
    await cleanup.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
    await cleanup.end();
  });

  const dumpOfSchema = async () => (await run('pg_dump', ['--no-owner', `--schema=${schema}`, `--dbname=${TEST_DATABASE_URL}`], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  const CLEAR = ['Rosalinde-Rz3', 'Mirabeau-Tq8', 'rosalinde.rz3@', '+33644556677', '1969-07-04'];

  it('drops the clear columns, the half-done rebuild with them, and keeps the rows serving', async () => {
    const before = await dumpOfSchema();
    for (const value of CLEAR) expect(before).toContain(value);

    await migrate(url);

    const after = await dumpOfSchema();
    expect(CLEAR.filter((value) => after.includes(value))).toEqual([]);
    const { rows: columns } = await pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'customers'`,
      [schema],
    );
    const names = columns.map((c) => c.column_name);
    expect(names).toEqual(expect.arrayContaining(['profile', 'birthday', 'adult_since', 'email_key', 'points_balance', 'segment']));
    for (const gone of ['profile_readable', 'first_name', 'last_name', 'company_name', 'email', 'phone', 'postal_address', 'birth_date']) expect(names).not.toContain(gone);
    expect((await pool.query(`SELECT to_regclass('customers_next') AS t`)).rows[0]).toEqual({ t: null });
    expect((await pool.query(`SELECT count(*)::int AS n FROM projection_rebuild_checkpoints WHERE name = 'customers'`)).rows[0]).toEqual({ n: 0 });
    const [rose] = await rowsOf(pool, 'customers', shop.merchantId);
    expect(rose).toMatchObject({ customer_id: 'rose', points_balance: 50, tier: 'decouverte', email_key: 'e'.repeat(64), profile: null, birthday: null, adult_since: null });
  });

  it('has the rebuild fill the sealed profile, the birthday and "adult since" from the log', async () => {
    await rebuild([customersProjection], { pool, store, profiles: new ProfileOpener(keys), timeZones: () => undefined, logger: quietLogger });
    const [rose] = await rowsOf(pool, 'customers', shop.merchantId);
    const enrolled = shop.appended.find((e) => e.type === 'CustomerEnrolled')!;
    expect(rose).toMatchObject({ customer_id: 'rose', points_balance: 50, tier: 'decouverte', profile: (enrolled.data as { profile: string }).profile, birthday: '07-04' });
    expect(rose!.adult_since).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await pool.query(`SELECT version FROM projection_checkpoints WHERE name = 'customers'`)).rows[0]).toEqual({ version: customersProjection.version });
    const after = await dumpOfSchema();
    expect(CLEAR.filter((value) => after.includes(value))).toEqual([]);
  });
});
