import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchConfigDir } from '../../bench/support/bench-merchant.js';
import { relance } from './support/cli.js';
import { freshMerchantId, ROOT, TestEngine, demoMerchant } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-imp');
let configDir: string;
let work: string;
let engine: TestEngine;

beforeAll(async () => {
  configDir = await benchConfigDir(merchantId);
  work = await mkdtemp(path.join(os.tmpdir(), 'relance-import-'));
  for (const file of ['clients-caisse.csv', 'tickets-caisse.csv', 'customers-comma.csv']) {
    await copyFile(path.join(ROOT, 'test/fixtures/import', file), path.join(work, file));
  }
  engine = await TestEngine.start([await demoMerchant(merchantId)]);
});

afterAll(async () => {
  await engine.close();
  await rm(configDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const importing = (kind: string, file: string, extra: string[] = []) => relance(['import', kind, path.join(work, file), '--merchant', merchantId, ...extra], { CONFIG_DIR: configDir });

describe('relance import customers', () => {
  it('imports a French POS export (";"), writes the rejected rows with file, line and reason, and is idempotent on re-run', async () => {
    const rejects = path.join(work, 'clients.rejects.txt');
    const first = await importing('customers', 'clients-caisse.csv', ['--rejects', rejects]);
    expect(first.stdout).toContain('read 6, imported 3, skipped 0 (already recorded), rejected 3');
    expect(first.code).toBe(4);
    const file = path.join(work, 'clients-caisse.csv');
    expect((await readFile(rejects, 'utf8')).trim().split('\n')).toEqual([
      `${file}:4: e_mail: not a valid email address`,
      `${file}:5: duplicate-identity: This email is already used by customer CARTE-001`,
      `${file}:7: magasin: unknown store "marseille" (stores: halles, croix-rousse)`,
    ]);
    const before = await engine.eventCount(merchantId);
    const again = await importing('customers', 'clients-caisse.csv', ['--rejects', rejects]);
    expect(again.stdout).toContain('read 6, imported 0, skipped 3 (already recorded), rejected 3');
    expect(await engine.eventCount(merchantId)).toBe(before);

    const pos = await engine.key(merchantId, 'pos');
    const elodie = await engine.call('GET', '/v1/customers/CARTE-001', { key: pos });
    expect(elodie.body).toMatchObject({
      externalId: 'CARTE-001',
      storeId: 'halles',
      profile: { firstName: 'Élodie', email: 'elodie.martin@example.fr', phone: '+33612345678', birthDate: '1985-03-14', postalAddress: { line1: '3 rue des Halles', postalCode: '69001', city: 'Lyon' } },
      consents: [expect.objectContaining({ channel: 'email', purpose: 'marketing', granted: true, source: 'import' })],
    });
    const enrolled = (await engine.events(merchantId)).filter((e) => e.type === 'CustomerEnrolled').map((e) => (e.data as { customerId: string }).customerId);
    // "CARTE 005" is not a valid id: it gets a stable id derived from it.
    expect(enrolled).toEqual(expect.arrayContaining(['CARTE-001', 'CARTE-002', expect.stringMatching(/^x-[a-z2-7]{24}$/)]));
  }, 120_000);

  it('reads "," files with English headers', async () => {
    const res = await importing('customers', 'customers-comma.csv');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('read 2, imported 2, skipped 0 (already recorded), rejected 0');
  }, 60_000);
});

describe('relance import purchases', () => {
  it('groups the rows of a ticket, reads decimal commas, takes a returned line as a refund, rejects bad rows by line, and skips what is recorded on re-run', async () => {
    const first = await importing('purchases', 'tickets-caisse.csv');
    expect(first.code).toBe(4);
    expect(first.stdout).toContain('read 9, imported 6, skipped 0 (already recorded), rejected 3');
    expect(first.stdout).toContain('Recorded 4 purchases and 1 refunds; lines skipped 0, amounts rounded 0; amounts: decimal "," (detected at line 2, prix_unitaire "24,50")');
    const file = path.join(work, 'tickets-caisse.csv');
    expect((await readFile(`${file}.rejects.txt`, 'utf8')).trim().split('\n')).toEqual([
      `${file}:6: numero_client: no customer "CARTE-999" (import the customers first)`,
      `${file}:8: prix_unitaire: "douze" is not an amount in EUR (e.g. 12,50)`,
      `${file}:9: ticket T-1001 already ended at line 3: the rows of a ticket must be consecutive`,
    ]);
    const recorded = (await engine.events(merchantId)).filter((e) => e.type === 'PurchaseRecorded').map((e) => e.data as { purchaseId: string; totalCents: number; lines: unknown[]; channel: string });
    const t1001 = recorded.find((p) => p.purchaseId === 'T-1001');
    // 2 × 24,50 + 39,00 − 4,00 remise.
    expect(t1001).toMatchObject({ totalCents: 8400, channel: 'import' });
    expect(t1001?.lines).toHaveLength(2);
    // No card number: an anonymous sale ("clients divers"), 3 × 11,50.
    expect(recorded.find((p) => p.purchaseId === 'T-1002')).toMatchObject({ totalCents: 3450, channel: 'import' });
    expect((await engine.events(merchantId)).some((e) => e.streamId === `sale-${merchantId}.T-1002`)).toBe(true);
    // T-1005 returns one Saint-Joseph of the two CARTE-001 bought on T-1001.
    const refunds = (await engine.events(merchantId)).filter((e) => e.type === 'PurchaseRefunded').map((e) => e.data);
    expect(refunds).toEqual([expect.objectContaining({ purchaseId: 'T-1001', customerId: 'CARTE-001', amountCents: 2450, lines: [{ lineNo: 1, quantity: 1, amountCents: 2450 }] })]);

    const before = await engine.eventCount(merchantId);
    const again = await importing('purchases', 'tickets-caisse.csv');
    expect(again.stdout).toContain('read 9, imported 0, skipped 6 (already recorded), rejected 3');
    expect(await engine.eventCount(merchantId)).toBe(before);
  }, 120_000);

  it('explains missing columns and unknown merchants', async () => {
    const missing = await importing('purchases', 'customers-comma.csv');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('missing columns "ticket"');
    const unknown = await relance(['import', 'customers', path.join(work, 'customers-comma.csv'), '--merchant', 'nobody-here'], { CONFIG_DIR: configDir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Merchant "nobody-here" is not configured');
  }, 60_000);
});
