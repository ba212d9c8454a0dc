import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchConfigDir } from '../../bench/support/bench-merchant.js';
import { customersProjection } from '../../apps/projector/src/projections/customers.projection.js';
import { salesProjection } from '../../apps/projector/src/projections/sales.projection.js';
import { projectorEnv, type ProjectorEnv } from '../integration/projector/support/projector-env.js';
import { relance } from './support/cli.js';
import { freshMerchantId, ROOT } from './support/engine-harness.js';

// The R package `rfm`'s sample orders, brought in as a shop would (`relance import`), then scored by
// `relance rfm --dry-run` with the package's own settings: analysis date 2006-12-31, the whole
// history, one unit of revenue as the monetary step. The expected values and how they were obtained:
// test/fixtures/rfm/README.md.
const FIXTURES = path.join(ROOT, 'test/fixtures/rfm');

interface ReferenceCustomer {
  customer_id: string;
  recency_days: number;
  transaction_count: number;
  amount: number;
  recency_score: number;
  frequency_score: number;
  monetary_score: number;
}

const merchantId = freshMerchantId('e2e-rfm');
let env: ProjectorEnv;
let configDir: string;
let work: string;
let cliEnv: Record<string, string>;
let reference: { analysisDate: string; customers: ReferenceCustomer[] };

const countOf = async (table: string) => Number((await env.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]!.n);

beforeAll(async () => {
  reference = JSON.parse(await readFile(path.join(FIXTURES, 'rfm-reference.json'), 'utf8')) as typeof reference;
  env = await projectorEnv('rfmcli');
  configDir = await benchConfigDir(merchantId);
  work = await mkdtemp(path.join(os.tmpdir(), 'relance-rfm-'));
  cliEnv = { DATABASE_URL: env.url, PII_MASTER_KEY: env.masterKey.toString('base64'), CONFIG_DIR: configDir };

  // The package's file has one row per order (customer_id, order_date, revenue, first_name,
  // last_name, email): as a till would export it, its customers and its tickets.
  const orders = (await readFile(path.join(FIXTURES, 'rfm_data_orders.csv'), 'utf8')).trim().split('\n').slice(1).map((row) => row.split(','));
  const customers = new Map<string, string>();
  for (const [name, , , first, last, email] of orders) customers.set(name!, [name, first, last, email].join(','));
  await writeFile(path.join(work, 'customers.csv'), ['external_id,first_name,last_name,email', ...customers.values()].join('\n'));
  const tickets = orders.map(([name, date, revenue], n) => [`order-${n + 1}`, name, 'halles', `${date} 12:00`, 'ORDER', 'Order', '1', `${revenue}.00`].join(','));
  await writeFile(path.join(work, 'orders.csv'), ['ticket,customer_external_id,store_id,purchased_at,sku,name,quantity,unit_price', ...tickets].join('\n'));

  const importedCustomers = await relance(['import', 'customers', path.join(work, 'customers.csv'), '--merchant', merchantId], cliEnv);
  expect(importedCustomers.stdout).toContain('read 995, imported 995');
  const importedOrders = await relance(['import', 'purchases', path.join(work, 'orders.csv'), '--merchant', merchantId], cliEnv);
  expect(importedOrders.stdout).toContain('read 4906, imported 4906');
  await env.project([customersProjection, salesProjection], { batchSize: 1000 });
}, 600_000);

afterAll(async () => {
  await env.close();
  await rm(configDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('relance rfm --dry-run --as-of 2006-12-31 --window all --monetary-step 1 on the rfm package sample', () => {
  let stdout: string;
  let eventsBefore: number;
  let eventsAfter: number;

  beforeAll(async () => {
    eventsBefore = await countOf('events');
    const run = await relance(['rfm', '--merchant', merchantId, '--dry-run', '--as-of', '2006-12-31', '--window', 'all', '--monetary-step', '1'], cliEnv);
    expect(run.stderr).toContain('995 customers scored; nothing was written');
    expect(run.code).toBe(0);
    stdout = run.stdout;
    eventsAfter = await countOf('events');
  }, 120_000);

  it("reproduces the package's recency, frequency, monetary and R, F, M scores for all 995 customers", () => {
    const [header, ...rest] = stdout.trim().split('\n').filter((l) => !l.startsWith('#'));
    const columns = header!.split(',');
    const rows = rest.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
    expect(rows).toHaveLength(995);
    const byName = new Map(rows.map((r) => [r.external_id, r]));
    const ours = reference.customers.map((c) => {
      const r = byName.get(c.customer_id)!;
      return [c.customer_id, Number(r.recency_days), Number(r.frequency), Number(r.monetary), Number(r.recency_score), Number(r.frequency_score), Number(r.monetary_score)];
    });
    const theirs = reference.customers.map((c) => [c.customer_id, c.recency_days, c.transaction_count, c.amount, c.recency_score, c.frequency_score, c.monetary_score]);
    expect(ours).toEqual(theirs);
  });

  it('prints the segment counts, which add up to the customers scored', () => {
    const counts = stdout.split('\n').filter((l) => /^# b2c /.test(l)).map((l) => Number(l.split(' ')[3]));
    expect(counts.length).toBeGreaterThan(1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(995);
  });

  it('writes nothing: no event, no score, no run', async () => {
    expect(eventsAfter).toBe(eventsBefore);
    expect(await countOf('rfm_scores')).toBe(0);
    expect(await countOf('rfm_runs')).toBe(0);
  });
});
