import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchConfigDir } from '../../bench/support/bench-merchant.js';
import { relance } from './support/cli.js';
import type { RecordedEvent } from '@relance/event-store';
import { demoMerchant, freshMerchantId, ROOT, TestEngine } from './support/engine-harness.js';

/**
 * A constructed till history, with every figure computed by hand in the comments: a GBP shop whose
 * export writes decimal points (with a 0.001 price, adjustment lines, returns that name their ticket
 * and returns that do not, an anonymous return, and a 1,001-line ticket), and a JPY shop whose export
 * writes decimal commas.
 */
const gbp = freshMerchantId('e2e-gbp');
const jpy = freshMerchantId('e2e-jpy');
const configDirs: Record<string, string> = {};
let work: string;
let engine: TestEngine;

async function configIn(merchantId: string, currency: string): Promise<string> {
  const dir = await benchConfigDir(merchantId);
  const file = path.join(dir, 'merchants', merchantId, 'merchant.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace(/^currency: .*$/m, `currency: ${currency}`));
  return dir;
}

beforeAll(async () => {
  configDirs[gbp] = await configIn(gbp, 'GBP');
  configDirs[jpy] = await configIn(jpy, 'JPY');
  work = await mkdtemp(path.join(os.tmpdir(), 'relance-import-history-'));
  for (const file of ['gbp-customers.csv', 'gbp-tickets.csv', 'jpy-clients.csv', 'jpy-tickets.csv']) {
    await copyFile(path.join(ROOT, 'test/fixtures/import', file), path.join(work, file));
  }
  engine = await TestEngine.start([{ ...(await demoMerchant(gbp)), currency: 'GBP' }, { ...(await demoMerchant(jpy)), currency: 'JPY' }]);
}, 60_000);

afterAll(async () => {
  await engine.close();
  for (const dir of Object.values(configDirs)) await rm(dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const importing = (merchantId: string, kind: string, file: string, extra: string[] = []) =>
  relance(['import', kind, path.join(work, file), '--merchant', merchantId, ...extra], { CONFIG_DIR: configDirs[merchantId]! });

interface Figures {
  purchases: Map<string, { customerId: string | null; totalCents: number; currency: string; lines: number; externalRef: string | null }>;
  refunds: { purchaseId: string; customerId: string | null; amountCents: number; lines: unknown[] }[];
  netByCustomer: Record<string, number>;
  enrolledAt: Record<string, string>;
}

function figuresOf(events: readonly RecordedEvent[]): Figures {
  const figures: Figures = { purchases: new Map(), refunds: [], netByCustomer: {}, enrolledAt: {} };
  const add = (customerId: string | null, cents: number) => {
    const key = customerId ?? 'anonymous';
    figures.netByCustomer[key] = (figures.netByCustomer[key] ?? 0) + cents;
  };
  for (const e of events) {
    const d = e.data as Record<string, unknown>;
    if (e.type === 'CustomerEnrolled') figures.enrolledAt[d.customerId as string] = d.enrolledAt as string;
    if (e.type === 'PurchaseRecorded') {
      figures.purchases.set(d.purchaseId as string, {
        customerId: d.customerId as string | null,
        totalCents: d.totalCents as number,
        currency: d.currency as string,
        lines: (d.lines as unknown[]).length,
        externalRef: d.externalRef as string | null,
      });
      add(d.customerId as string | null, d.totalCents as number);
    }
    if (e.type === 'PurchaseRefunded') {
      figures.refunds.push({ purchaseId: d.purchaseId as string, customerId: d.customerId as string | null, amountCents: d.amountCents as number, lines: d.lines as unknown[] });
      add(d.customerId as string | null, -(d.amountCents as number));
    }
  }
  // Refunds run concurrently across buyers: in the log, in any order.
  figures.refunds.sort((a, b) => (a.purchaseId < b.purchaseId ? -1 : 1));
  return figures;
}

describe('a GBP shop whose export writes decimal points', () => {
  const tickets = () => path.join(work, 'gbp-tickets.csv');

  it('enrols its customers on the date of the file, else on their first purchase', async () => {
    const res = await importing(gbp, 'customers', 'gbp-customers.csv', ['--first-purchases', tickets()]);
    expect(res.stdout).toContain('read 3, imported 3, skipped 0 (already recorded), rejected 0');
    expect(res.code).toBe(0);
    expect(figuresOf(await engine.events(gbp)).enrolledAt).toEqual({
      // 2019-05-01 at midnight in the merchant's zone (Europe/Paris, summer time).
      G1: '2019-04-30T22:00:00.000Z',
      // A101, 2025-01-11 11:00 Paris time.
      G2: '2025-01-11T10:00:00.000Z',
      // A105, 2025-02-10 10:00 Paris time (C204 before it returns what G3 never bought).
      G3: '2025-02-10T09:00:00.000Z',
    });
  }, 120_000);

  it('records every sale and return as computed by hand, reports each line left out, and records nothing more on a second run', async () => {
    const rejects = path.join(work, 'gbp.report.txt');
    const first = await importing(gbp, 'purchases', 'gbp-tickets.csv', ['--lines', 'skip-invalid', '--rejects', rejects]);
    expect(first.code).toBe(4);
    // 1,019 rows: 1,012 recorded (A100 2, A101 2, A102 1, A103 1, A105 1, A106 1,001, four returns),
    // 2 rejected with their ticket (A104, A107), 5 lines skipped.
    expect(first.stdout).toContain('read 1019, imported 1012, skipped 0 (already recorded), rejected 2');
    expect(first.stdout).toContain('Recorded 7 purchases and 4 refunds; lines skipped 5, amounts rounded 1; amounts: decimal "." (detected at line 2, unit_price "4.50")');
    const file = tickets();
    expect((await readFile(rejects, 'utf8')).trim().split('\n')).toEqual([
      `${file}:4: skipped: unit_price: -11.00 is negative: an adjustment, not a sale`,
      `${file}:5: rounded: unit_price: "0.001" rounded to 0.00 (GBP has 2 decimals)`,
      `${file}:7: skipped: sku: must not be empty`,
      `${file}:13: skipped: 1 × MUG at 7.25 returned, not left to return on ticket A100`,
      `${file}:14: skipped: 1 × TEA at 4.50 returned, not left to return on an earlier ticket of customer G3 in this file`,
      `${file}:15: customer_external_id: no customer "G9" (import the customers first)`,
      `${file}:16: skipped: unit_price: "€5.00" is in €, not in GBP, the merchant's currency`,
      `${file}:1020: purchased_at: "31/02/2025 10:00" is not a calendar date`,
    ]);

    const figures = figuresOf(await engine.events(gbp));
    const part2 = [...figures.purchases].find(([, p]) => p.externalRef === 'A106 (2/2)')![0];
    expect(Object.fromEntries(figures.purchases)).toEqual({
      // 2 × 4.50 + (12.00 − 1.00); the adjustment line is left out.
      A100: { customerId: 'G1', totalCents: 2000, currency: 'GBP', lines: 2, externalRef: 'A100' },
      // 4 × 0.001 rounded to 0.00, + 3 × 7.25; the stock adjustment without a SKU is left out.
      A101: { customerId: 'G2', totalCents: 2175, currency: 'GBP', lines: 2, externalRef: 'A101' },
      A102: { customerId: null, totalCents: 1350, currency: 'GBP', lines: 1, externalRef: 'A102' },
      A103: { customerId: 'G1', totalCents: 1450, currency: 'GBP', lines: 1, externalRef: 'A103' },
      // The biscuits priced in euros are left out: 2 × 12.00.
      A105: { customerId: 'G3', totalCents: 2400, currency: 'GBP', lines: 1, externalRef: 'A105' },
      // 1,001 lines at 0.10: the first 1,000 keep the ticket's id, the last is part 2.
      A106: { customerId: 'G3', totalCents: 10000, currency: 'GBP', lines: 1000, externalRef: 'A106 (1/2)' },
      [part2]: { customerId: 'G3', totalCents: 10, currency: 'GBP', lines: 1, externalRef: 'A106 (2/2)' },
    });
    expect(figures.refunds).toEqual([
      // C200 names A100: one Earl Grey of two, ⌊900 × 1 / 2⌋.
      { purchaseId: 'A100', customerId: 'G1', amountCents: 450, lines: [{ lineNo: 1, quantity: 1, amountCents: 450 }] },
      // C201 names nothing: G2's latest mugs at 7.25 are A101's (line 2 once the pin is line 1), ⌊2175 × 2 / 3⌋.
      { purchaseId: 'A101', customerId: 'G2', amountCents: 1450, lines: [{ lineNo: 2, quantity: 2, amountCents: 1450 }] },
      // C202, anonymous at halles: the three Earl Grey of A102, all of it.
      { purchaseId: 'A102', customerId: null, amountCents: 1350, lines: [{ lineNo: 1, quantity: 3, amountCents: 1350 }] },
      // C205 names A106: the sample of line 1,001, in part 2.
      { purchaseId: part2, customerId: 'G3', amountCents: 10, lines: [{ lineNo: 1, quantity: 1, amountCents: 10 }] },
    ]);
    // G1: 20.00 + 14.50 − 4.50; G2: 21.75 − 14.50; G3: 24.00 + 100.00 + 0.10 − 0.10; anonymous: 13.50 − 13.50.
    expect(figures.netByCustomer).toEqual({ G1: 3000, G2: 725, G3: 12400, anonymous: 0 });

    const before = await engine.eventCount(gbp);
    const again = await importing(gbp, 'purchases', 'gbp-tickets.csv', ['--lines', 'skip-invalid', '--rejects', rejects]);
    expect(again.stdout).toContain('read 1019, imported 0, skipped 1012 (already recorded), rejected 2');
    expect(again.stdout).toContain('Recorded 0 purchases and 0 refunds; lines skipped 5, amounts rounded 1');
    expect(await engine.eventCount(gbp)).toBe(before);
  }, 300_000);

  it('refuses, through the API, a purchase in another currency than the merchant’s, and records nothing', async () => {
    const pos = await engine.key(gbp, 'pos');
    const before = await engine.eventCount(gbp);
    const body = { purchaseId: 'API-1', customerId: 'G1', storeId: 'halles', purchasedAt: '2025-03-01T10:00:00Z', lines: [{ sku: 'TEA', name: 'Earl Grey', quantity: 1, unitPriceCents: 450 }] };
    const euros = await engine.call('POST', '/v1/purchases', { key: pos, body: { ...body, currency: 'EUR' } });
    expect(euros.status).toBeGreaterThanOrEqual(400);
    expect(euros.status).toBeLessThan(500);
    expect(euros.text).toContain("EUR is not the merchant's currency (GBP)");
    expect(await engine.eventCount(gbp)).toBe(before);
    const pounds = await engine.call('POST', '/v1/purchases', { key: pos, body: { ...body, currency: 'GBP' } });
    expect(pounds.status).toBe(201);
  }, 60_000);
});

describe('a JPY shop whose export writes decimal commas, imported line by line strictly', () => {
  it('reads yen with no minor unit, rounds and reports what has decimals, rejects what is ambiguous, and is idempotent', async () => {
    const customers = await importing(jpy, 'customers', 'jpy-clients.csv');
    expect(customers.code).toBe(0);
    const file = path.join(work, 'jpy-tickets.csv');
    const first = await importing(jpy, 'purchases', 'jpy-tickets.csv');
    expect(first.code).toBe(4);
    // J1 2 rows, J3 1, R1 1 recorded; J2 and J4 rejected whole under --lines strict.
    expect(first.stdout).toContain('read 6, imported 4, skipped 0 (already recorded), rejected 2');
    // "1 250" on line 2 shows no decimal separator; "350,4" on line 3 does.
    expect(first.stdout).toContain('Recorded 2 purchases and 1 refunds; lines skipped 0, amounts rounded 2; amounts: decimal "," (detected at line 3, prix_unitaire "350,4")');
    expect((await readFile(`${file}.rejects.txt`, 'utf8')).trim().split('\n')).toEqual([
      `${file}:3: rounded: prix_unitaire: "350,4" rounded to 350 (JPY has 0 decimals)`,
      `${file}:4: prix_unitaire: "1.250" is ambiguous: this file's decimal separator is ",", and "." here could be a decimal point or group thousands`,
      `${file}:5: rounded: prix_unitaire: "800,5" rounded to 801 (JPY has 0 decimals)`,
      `${file}:7: code_article: must not be empty`,
    ]);
    const figures = figuresOf(await engine.events(jpy));
    expect(figures.enrolledAt).toEqual({ K1: '2018-01-14T23:00:00.000Z' });
    expect(Object.fromEntries([...figures.purchases].map(([id, p]) => [id, [p.customerId, p.totalCents, p.currency]]))).toEqual({
      // 2 × 1,250 + 350.
      J1: ['K1', 2850, 'JPY'],
      // 800.5 rounded half away from zero.
      J3: [null, 801, 'JPY'],
    });
    // R1 names J1: one saké of two, ⌊2500 × 1 / 2⌋.
    expect(figures.refunds).toEqual([{ purchaseId: 'J1', customerId: 'K1', amountCents: 1250, lines: [{ lineNo: 1, quantity: 1, amountCents: 1250 }] }]);
    expect(figures.netByCustomer).toEqual({ K1: 1600, anonymous: 801 });
    // Every event of the shop that carries an amount says it is in yen: the refund's as the purchases'.
    const withAmounts = (await engine.events(jpy)).filter((e) => ['PurchaseRecorded', 'PurchaseRefunded', 'TierChanged', 'RewardIssued'].includes(e.type));
    expect(withAmounts.filter((e) => e.type === 'PurchaseRefunded')).toHaveLength(1);
    expect(withAmounts.map((e) => [e.type, (e.data as { currency?: string }).currency]).filter(([, currency]) => currency !== 'JPY')).toEqual([]);

    const before = await engine.eventCount(jpy);
    const again = await importing(jpy, 'purchases', 'jpy-tickets.csv');
    expect(again.stdout).toContain('read 6, imported 0, skipped 4 (already recorded), rejected 2');
    expect(await engine.eventCount(jpy)).toBe(before);
  }, 120_000);
});
