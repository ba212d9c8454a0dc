import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomerKeyStore, PiiUnavailableError, createPool, type Pool } from '@relance/platform';
import { TEST_DATABASE_URL } from '../../support/test-env.js';

describe('customer key store (PostgreSQL)', () => {
  let pool: Pool;
  const master = randomBytes(32);
  beforeAll(() => {
    pool = createPool(TEST_DATABASE_URL, { max: 8 });
  });
  afterAll(async () => pool.end());

  it('gives concurrent first uses the same key, and stores it only wrapped', async () => {
    const customer = randomUUID();
    const stores = Array.from({ length: 6 }, () => new CustomerKeyStore(pool, master));
    const keys = await Promise.all(stores.map((s) => s.keyFor('keys-test', customer)));
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(1);
    const { rows } = await pool.query<{ wrapped_key: Buffer }>(
      'SELECT wrapped_key FROM customer_keys WHERE merchant_id = $1 AND customer_id = $2',
      ['keys-test', customer],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.wrapped_key.includes(keys[0]!)).toBe(false);
  });

  it('opens with a new process (no cache) what another sealed', async () => {
    const customer = randomUUID();
    const sealed = await new CustomerKeyStore(pool, master).seal('keys-test', customer, { email: 'a@b.fr' });
    expect(await new CustomerKeyStore(pool, master).open('keys-test', customer, sealed)).toEqual({ email: 'a@b.fr' });
  });

  it('makes sealed data unreadable for good once the key is destroyed', async () => {
    const customer = randomUUID();
    const store = new CustomerKeyStore(pool, master);
    const sealed = await store.seal('keys-test', customer, { lastName: 'Durand' });
    await store.destroy('keys-test', customer);
    expect(await store.open('keys-test', customer, sealed)).toBeNull();
    expect(await new CustomerKeyStore(pool, master).open('keys-test', customer, sealed)).toBeNull();
    await expect(store.keyFor('keys-test', customer)).rejects.toBeInstanceOf(PiiUnavailableError);
  });

  it('refuses keys wrapped by another master key instead of returning garbage', async () => {
    const customer = randomUUID();
    await new CustomerKeyStore(pool, master).keyFor('keys-test', customer);
    await expect(new CustomerKeyStore(pool, randomBytes(32)).existingKey('keys-test', customer)).rejects.toThrow(
      /another master key/,
    );
  });
});
