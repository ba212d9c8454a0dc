import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, CustomerKeyStore, type Pool } from '@relance/platform';
import { IdempotencyRepository } from '../../../apps/engine/src/write-path/idempotency.repository.js';
import { TEST_DATABASE_URL } from '../../support/test-env.js';

// Claims and completions travel in one statement: these check that sharing a batch changes nothing
// of what each of them means.
describe('idempotency records (PostgreSQL)', () => {
  const merchantId = `idem-repo-${randomUUID().slice(0, 8)}`;
  let pool: Pool;
  let statements: string[];
  let records: IdempotencyRepository;
  let keys: CustomerKeyStore;

  beforeAll(() => {
    pool = createPool(TEST_DATABASE_URL, { max: 4 });
    statements = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    // Counts the statements sent, to show that a claim and a completion went out together.
    (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const config = args[0] as { name?: string } | string;
      statements.push(typeof config === 'string' ? config : (config.name ?? ''));
      return query(...args);
    };
    const masterKey = randomBytes(32);
    keys = new CustomerKeyStore(pool, masterKey);
    records = new IdempotencyRepository(pool, 30, 24, masterKey, keys);
  });
  afterAll(async () => pool.end());

  const row = async (key: string) =>
    (
      await pool.query<{ status: string; attempt: number; response_status: number | null }>(
        'SELECT status, attempt, response_status FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2',
        [merchantId, key],
      )
    ).rows[0];

  it('completes one key and claims others in a single statement', async () => {
    const done = randomUUID();
    const first = await records.claim(merchantId, done, 'hash-done');
    expect(first).toMatchObject({ kind: 'claimed', attempt: 1 });
    statements.length = 0;
    // The first claim goes out at once; what arrives while it is in flight shares the next statement.
    const [claimX, , claimA, claimB] = await Promise.all([
      records.claim(merchantId, randomUUID(), 'hash-x'),
      records.complete(merchantId, done, 1, 201, '{"ok":true}'),
      records.claim(merchantId, randomUUID(), 'hash-a'),
      records.claim(merchantId, randomUUID(), 'hash-b'),
    ]);
    for (const claim of [claimX, claimA, claimB]) expect(claim).toMatchObject({ kind: 'claimed', attempt: 1 });
    expect(statements).toEqual(['relance_idempotency_claim_complete_batch', 'relance_idempotency_claim_complete_batch']);
    expect(await row(done)).toEqual({ status: 'completed', attempt: 1, response_status: 201 });
    expect(await records.claim(merchantId, done, 'hash-done')).toEqual({ kind: 'replay', status: 201, body: '{"ok":true}' });
  });

  it('lets a retry submitted with the completion of its key see the response, not claim again', async () => {
    const key = randomUUID();
    await records.claim(merchantId, key, 'hash-retry');
    const [, retry] = await Promise.all([records.complete(merchantId, key, 1, 201, '{"first":1}'), records.claim(merchantId, key, 'hash-retry')]);
    expect(retry).toEqual({ kind: 'replay', status: 201, body: '{"first":1}' });
  });

  it('ignores the completion of an attempt that was taken over', async () => {
    const key = randomUUID();
    await records.claim(merchantId, key, 'hash-over');
    await pool.query(`UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE merchant_id = $1 AND idempotency_key = $2`, [merchantId, key]);
    const takeover = await records.claim(merchantId, key, 'hash-over');
    expect(takeover).toMatchObject({ kind: 'claimed', attempt: 2 });
    await records.complete(merchantId, key, 1, 500, '{"late":true}');
    expect(await row(key)).toEqual({ status: 'in_progress', attempt: 2, response_status: null });
    await records.complete(merchantId, key, 2, 201, '{"holder":true}');
    expect(await records.claim(merchantId, key, 'hash-over')).toEqual({ kind: 'replay', status: 201, body: '{"holder":true}' });
  });

  it('refuses the same key for another request, and stores responses sealed', async () => {
    const key = randomUUID();
    await records.claim(merchantId, key, 'hash-one');
    await records.complete(merchantId, key, 1, 201, '{"email":"lea@example.fr"}');
    expect(await records.claim(merchantId, key, 'hash-other')).toEqual({ kind: 'mismatch' });
    const { rows } = await pool.query<{ response_body: string }>('SELECT response_body FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2', [merchantId, key]);
    expect(rows[0]!.response_body).not.toContain('lea@example.fr');
  });

  const stored = async (key: string) =>
    (
      await pool.query<{ request_hash: string; response_body: string; response_owner: string | null }>(
        'SELECT request_hash, response_body, response_owner FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2',
        [merchantId, key],
      )
    ).rows[0]!;

  it('seals a response carrying a customer\'s profile with that customer\'s key: destroying it erases the copy', async () => {
    const key = randomUUID();
    const customerId = `c-${randomUUID().slice(0, 8)}`;
    const body = JSON.stringify({ customerId, profile: { firstName: 'Zéphyrine', email: 'zephyrine@example.fr' } });
    await records.claim(merchantId, key, 'POST /v1/customers\n{}');
    await records.complete(merchantId, key, 1, 201, body, customerId);
    expect(await stored(key)).toMatchObject({ response_owner: customerId });
    expect((await stored(key)).response_body).not.toMatch(/phyrine/);
    expect(await records.claim(merchantId, key, 'POST /v1/customers\n{}')).toEqual({ kind: 'replay', status: 201, body });

    await keys.destroy(merchantId, customerId);
    expect(await records.claim(merchantId, key, 'POST /v1/customers\n{}')).toEqual({ kind: 'erased', customerId });
  });

  it('refuses a customer-sealed response copied from another record of the same customer', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const customerId = `c-${randomUUID().slice(0, 8)}`;
    for (const key of [first, second]) {
      await records.claim(merchantId, key, `PATCH /v1/customers/${customerId}\n${key}`);
      await records.complete(merchantId, key, 1, 200, JSON.stringify({ customerId, key }), customerId);
    }
    await pool.query('UPDATE idempotency_keys SET response_body = $3 WHERE merchant_id = $1 AND idempotency_key = $2', [merchantId, second, (await stored(first)).response_body]);
    await expect(records.claim(merchantId, second, `PATCH /v1/customers/${customerId}\n${second}`)).rejects.toThrow('belongs to another record');
  });

  it('keeps the request as a keyed hash, not a plain hash anyone could recompute from a guessed body', async () => {
    const key = randomUUID();
    const request = 'POST /v1/customers\n{"profile":{"email":"lea@example.fr"}}';
    await records.claim(merchantId, key, request);
    const { request_hash } = await stored(key);
    expect(request_hash).toMatch(/^h1:[0-9a-f]{64}$/);
    expect(request_hash).not.toContain(createHash('sha256').update(request).digest('hex'));
    // Another master key gives another hash: without it, a guess cannot be checked.
    expect(new IdempotencyRepository(pool, 30, 24, randomBytes(32), keys).fingerprint(request)).not.toBe(request_hash);
    expect(records.fingerprint(request)).toBe(request_hash);
  });

  it('still recognises records written with a plain hash: replays them, and takes an abandoned claim over', async () => {
    const request = 'POST /v1/purchases\n{"purchaseId":"T-1"}';
    const [done, abandoned] = [randomUUID(), randomUUID()];
    for (const key of [done, abandoned]) await records.claim(merchantId, key, request);
    await records.complete(merchantId, done, 1, 201, '{"purchaseId":"T-1"}');
    const plain = createHash('sha256').update(request).digest('hex');
    await pool.query(
      `UPDATE idempotency_keys SET request_hash = $3, locked_until = CASE WHEN status = 'in_progress' THEN now() - interval '1 second' END
        WHERE merchant_id = $1 AND idempotency_key = ANY($2::text[])`,
      [merchantId, [done, abandoned], plain],
    );
    expect(await records.claim(merchantId, done, request)).toEqual({ kind: 'replay', status: 201, body: '{"purchaseId":"T-1"}' });
    expect(await records.claim(merchantId, done, 'POST /v1/purchases\n{"purchaseId":"T-2"}')).toEqual({ kind: 'mismatch' });
    expect(await records.claim(merchantId, abandoned, request)).toMatchObject({ kind: 'claimed', attempt: 2 });
    expect((await stored(abandoned)).request_hash).toBe(records.fingerprint(request));
  });
});
