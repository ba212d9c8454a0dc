import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchConfigDir } from '../../bench/support/bench-merchant.js';
import { relance } from './support/cli.js';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

// The CSV import crosses the same boundary as the API: a row with text PostgreSQL cannot store, an
// amount beyond the limits or a date outside the business range is rejected with the file, the line
// and the column, and the rows around it are imported.

const merchantId = freshMerchantId('e2e-impb');
let configDir: string;
let work: string;
let engine: TestEngine;

const frDate = (date: Date) => `${String(date.getUTCDate()).padStart(2, '0')}/${String(date.getUTCMonth() + 1).padStart(2, '0')}/${date.getUTCFullYear()}`;

beforeAll(async () => {
  configDir = await benchConfigDir(merchantId);
  work = await mkdtemp(path.join(os.tmpdir(), 'relance-import-boundary-'));
  engine = await TestEngine.start([await demoMerchant(merchantId)]);
});

afterAll(async () => {
  await engine.close();
  await rm(configDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const importing = (kind: string, file: string) => relance(['import', kind, file, '--merchant', merchantId], { CONFIG_DIR: configDir });

describe('relance import at the boundary', () => {
  it('rejects customers whose text cannot be stored or whose birth date is implausible, by file, line and column', async () => {
    const file = path.join(work, 'clients.csv');
    const inThreeDays = frDate(new Date(Date.now() + 3 * 86_400_000));
    await writeFile(
      file,
      ['id_client;prenom;nom;date_naissance', 'C-NUL;Jean\u0000ne;Nul;', 'C-OK;Zoë \u{1F377};Ok;14/03/1985', 'C-OLD;Vieux;Né;14/03/0085', `C-FUT;Pas;Encore;${inThreeDays}`, ''].join('\n'),
    );
    const res = await importing('customers', file);
    expect(res.stdout).toContain('read 4, imported 1, skipped 0 (already recorded), rejected 3');
    expect(res.code).toBe(4);
    expect((await readFile(`${file}.rejects.txt`, 'utf8')).trim().split('\n')).toEqual([
      `${file}:2: prenom: contains the NUL character (U+0000), which cannot be stored`,
      `${file}:4: date_naissance: before 1900-01-01, not a plausible birth date`,
      `${file}:5: date_naissance: in the future, not a plausible birth date`,
    ]);
    const enrolled = (await engine.events(merchantId)).filter((e) => e.type === 'CustomerEnrolled').map((e) => (e.data as { customerId: string }).customerId);
    expect(enrolled).toEqual(['C-OK']);
  }, 120_000);

  it('rejects tickets whose text cannot be stored, whose amounts are beyond the limits or whose date is out of range', async () => {
    const file = path.join(work, 'tickets.csv');
    const nextYear = `${frDate(new Date(Date.now() + 400 * 86_400_000))} 10:00`;
    await writeFile(
      file,
      [
        'ticket;magasin;date;code_article;libelle;quantite;prix_unitaire',
        'T-NUL;halles;14/03/2026 10:00;A1;Brut\u0000;1;10,00',
        'T-BIG;halles;14/03/2026 10:00;A2;Magnum;100000;100000,00',
        'T-50;halles;14/03/0050 10:00;A3;Antique;1;10,00',
        'T-1969;halles;31/12/1969 10:00;A4;Vieux;1;10,00',
        `T-FUT;halles;${nextYear};A5;Futur;1;10,00`,
        'T-OK;halles;14/03/2026 10:00;A6;Crémant \u{1F942};2;12,50',
        '',
      ].join('\n'),
    );
    const res = await importing('purchases', file);
    expect(res.stdout).toContain('read 6, imported 1, skipped 0 (already recorded), rejected 5');
    expect(res.code).toBe(4);
    expect((await readFile(`${file}.rejects.txt`, 'utf8')).trim().split('\n')).toEqual([
      `${file}:2: libelle: contains the NUL character (U+0000), which cannot be stored`,
      `${file}:3: line total 10000000000,00 EUR is above the limit of 10000000,00 EUR`,
      `${file}:4: date: "14/03/0050 10:00" is before 1970-01-01T00:00:00.000Z, the earliest date accepted`,
      `${file}:5: date: "31/12/1969 10:00" is before 1970-01-01T00:00:00.000Z, the earliest date accepted`,
      `${file}:6: date: more than a day in the future`,
    ]);
    const recorded = (await engine.events(merchantId)).filter((e) => e.type === 'PurchaseRecorded').map((e) => (e.data as { purchaseId: string }).purchaseId);
    expect(recorded).toEqual(['T-OK']);
  }, 120_000);
});
