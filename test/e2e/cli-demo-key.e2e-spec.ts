import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { customersProjection } from '../../apps/projector/src/projections/customers.projection.js';
import { projectorEnv, type ProjectorEnv } from '../integration/projector/support/projector-env.js';
import { line, Shop } from '../integration/projector/support/shop.js';
import type { CliResult } from './support/cli.js';
import { ROOT, testEnv } from './support/engine-harness.js';

// `relance projections status` run as someone who ran `relance demo` in their checkout: no
// PII_MASTER_KEY in the environment, the demo's key in .relance/.
let env: ProjectorEnv;
let checkout: string;
let elsewhere: string;

function relanceIn(cwd: string, args: readonly string[]): Promise<CliResult> {
  const base: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: '', ...testEnv(), DATABASE_URL: env.url, CONFIG_DIR: path.join(ROOT, 'config') };
  delete base.PII_MASTER_KEY;
  delete base.PII_MASTER_KEY_FILE;
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/relance.js'), ...args], { cwd, env: base as NodeJS.ProcessEnv, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  env = await projectorEnv('devkey');
  checkout = await mkdtemp(path.join(os.tmpdir(), 'relance-checkout-'));
  elsewhere = await mkdtemp(path.join(os.tmpdir(), 'relance-elsewhere-'));
  await mkdir(path.join(checkout, '.relance'), { mode: 0o700 });
  await writeFile(path.join(checkout, '.relance', 'dev-master-key'), `${env.masterKey.toString('base64')}\n`, { mode: 0o600 });
  const shop = await Shop.open(env);
  await shop.enrol('ana', '2026-03-01T10:00:00.000Z');
  await env.project([customersProjection]);
  // Three events the projections have not applied yet: a purchase (and its points), a second one.
  await shop.purchase('ana', 'p1', '2026-03-02T10:00:00.000Z', [line(1, 1000)]);
  await shop.purchase('ana', 'p2', '2026-03-03T10:00:00.000Z', [line(1, 10)]);
}, 120_000);

afterAll(async () => {
  await env.close();
  await rm(checkout, { recursive: true, force: true });
  await rm(elsewhere, { recursive: true, force: true });
});

describe('commands that need the master key, in a checkout where the demo ran', () => {
  it("use the demo's development key and say so on stderr", async () => {
    const status = await relanceIn(checkout, ['projections', 'status']);
    expect(status.stderr).toContain('Using the development master key of `relance demo` (.relance/dev-master-key)');
    expect(status.stdout).toContain('lag (events)');
    expect(status.code).toBe(0);
  });

  it('show each projection lag in events and seconds: the customers read model is 3 events behind, the one never run the whole log behind', async () => {
    const { stdout } = await relanceIn(checkout, ['projections', 'status']);
    const row = (name: string) => stdout.split('\n').find((l) => l.includes(`'${name}'`))!.split('│').map((c) => c.trim());
    const header = stdout.split('\n').find((l) => l.includes('lag (events)'))!.split('│').map((c) => c.trim());
    const lagEvents = header.indexOf('lag (events)');
    const lagSeconds = header.indexOf('lag (s)');
    expect(row('customers')[lagEvents]).toBe("'3'");
    expect(Number(row('customers')[lagSeconds])).toBeGreaterThanOrEqual(0);
    const total = Number((await env.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0]!.n);
    expect(row('sales')[lagEvents]).toBe(`'${total}'`);
  });

  it('still ask for PII_MASTER_KEY outside such a checkout', async () => {
    const status = await relanceIn(elsewhere, ['projections', 'status']);
    expect(status.code).toBe(78);
    expect(status.stderr).toContain('PII_MASTER_KEY: required');
    expect(status.stderr).not.toContain('development master key');
  });
});
