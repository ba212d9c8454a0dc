import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import { comparePositions, createEventStore, START, type EventStore } from '@relance/event-store';
import { createPool, CustomerKeyStore, KEY_STORE, migrate, SealedProfiles, type Pool } from '@relance/platform';
import { TEST_DATABASE_URL } from '@relance/testing/test-env.js';
import pg from 'pg';
import { benchConfigDir } from '../../bench/support/bench-merchant.js';
import { IntegrationSecrets } from '../../apps/engine/src/integrations/integration-secrets.repository.js';
import { PROJECTIONS } from '../../apps/projector/src/projections/index.js';
import { loadCheckpoints } from '../../apps/projector/src/runner/checkpoints.js';
import { ProfileOpener } from '../../apps/projector/src/runner/profile-opener.js';
import { ProjectionRunner } from '../../apps/projector/src/runner/projection-runner.js';
import { relance } from './support/cli.js';
import { demoMerchant, freshMerchantId, ROOT, testConfig, TestEngine } from './support/engine-harness.js';

// Once a customer's key is destroyed, no table may still hold their name, email or phone in clear:
// not the read models, not the bookkeeping, not the event log. Checked the way a backup would be
// read, over a pg_dump of a database of its own (named after this run's test database), after
// customers came in through each door: the API, an e-shop webhook and a CSV import.
const DUMP_DATABASE = `${new URL(TEST_DATABASE_URL).pathname.slice(1)}_dump`;
const DUMP_DATABASE_URL = TEST_DATABASE_URL.replace(/\/[^/?]+(\?|$)/, `/${DUMP_DATABASE}$1`);
const adminUrl = TEST_DATABASE_URL.replace(/\/[^/?]+(\?|$)/, '/postgres$1');
const SHOPIFY_SECRET = 'shpss_dump_4e8a';
const run = promisify(execFile);

const merchantId = freshMerchantId('e2e-dump');
let engine: TestEngine;
let pool: Pool;
let store: EventStore;
let keys: CustomerKeyStore;
let configDir: string;
let work: string;
let pos: string;

/**
 * Three customers, one per way in, each with values found nowhere else (ASCII fragments too, so that
 * an escaped or decomposed accent would not hide a copy). `clear` is what must never be stored in clear.
 */
const viaApi = {
  customerId: 'zephyrine',
  profile: {
    firstName: 'Zéphyrine-Qx7',
    lastName: 'Quenouille-Vb9',
    email: 'Zephyrine.Qx7@quenouille-mail.example',
    phone: '06 47 29 18 53',
    postalAddress: { line1: '17 impasse des Grives-Kt4', postalCode: '69004', city: 'Vauclerc-Ym2' },
    birthDate: '1987-09-23',
  },
  changedEmail: 'zephyrine.nouvelle-qx7@quenouille-mail.example',
  clear: ['Zéphyrine-Qx7', 'phyrine-Qx7', 'Quenouille-Vb9', 'zephyrine.qx7@', 'quenouille-mail', 'nouvelle-qx7', '+33647291853', '647291853', '47 29 18 53', 'Grives-Kt4', 'Vauclerc-Ym2', '1987-09-23', '203.0.113.147'],
};
const viaWebhook = {
  firstName: 'Ysolde-Kw4',
  lastName: 'Trémaine-Jp6',
  email: 'ysolde.kw4@tremaine-post.example',
  phone: '+33 7 81 92 03 64',
  clear: ['Ysolde-Kw4', 'Trémaine-Jp6', 'maine-Jp6', 'ysolde.kw4@', 'tremaine-post', '+33781920364', '781920364', '81 92 03 64'],
};
const viaImport = {
  externalId: 'CARTE-HM5',
  clear: ['Aurèle-Hm5', 'rele-Hm5', 'Bastide-Nc8', 'aurele.hm5@bastide-courrier.example', 'bastide-courrier', '+33699887766', '699887766', '1979-05-11'],
};
const CSV = [
  'id_client;prenom;nom;e_mail;telephone;date_naissance;optin_sms',
  'CARTE-HM5;Aurèle-Hm5;Bastide-Nc8;aurele.hm5@bastide-courrier.example;06 99 88 77 66;11/05/1979;oui',
].join('\n');
const EVERY_CLEAR_VALUE = [...viaApi.clear, ...viaWebhook.clear, ...viaImport.clear];

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${DUMP_DATABASE}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${DUMP_DATABASE}"`);
  } finally {
    await admin.end();
  }
  await migrate(DUMP_DATABASE_URL);
  engine = await TestEngine.start([await demoMerchant(merchantId)], { env: { DATABASE_URL: DUMP_DATABASE_URL } });
  pool = createPool(DUMP_DATABASE_URL, { max: 4, applicationName: 'relance-e2e-dump' });
  const config = testConfig({ DATABASE_URL: DUMP_DATABASE_URL });
  store = createEventStore(config, pool);
  keys = new CustomerKeyStore(pool, config.piiMasterKey!);
  await new IntegrationSecrets(pool, config).set(merchantId, 'shopify', SHOPIFY_SECRET);
  configDir = await benchConfigDir(merchantId);
  work = await mkdtemp(path.join(os.tmpdir(), 'relance-dump-'));
  pos = await engine.key(merchantId, 'pos');
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await store?.close();
  await pool?.end();
  await rm(configDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${DUMP_DATABASE}" WITH (FORCE)`).finally(() => admin.end());
});

/** The whole database as a plain-text dump, the way a logical backup holds it. */
async function dump(): Promise<string> {
  const { stdout } = await run('pg_dump', ['--no-owner', '--no-privileges', `--dbname=${DUMP_DATABASE_URL}`], { maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}

/** The tables whose rows hold `value` (case-insensitive), and whether it appears anywhere at all. */
function whereIs(dumped: string, value: string): { tables: string[]; anywhere: boolean } {
  const needle = value.toLowerCase();
  const tables: string[] = [];
  for (const section of dumped.matchAll(/^COPY (\S+) [^\n]*FROM stdin;\n([\s\S]*?)^\\\.$/gm)) {
    if (section[2]!.toLowerCase().includes(needle)) tables.push(section[1]!);
  }
  return { tables, anywhere: dumped.toLowerCase().includes(needle) };
}

/**
 * Runs every projection until it has applied the last event committed. "Caught up" for a runner is
 * as of the oldest transaction still open on the server (other databases' included): run again
 * until the checkpoints pass the last event of this database's log.
 */
async function project(): Promise<void> {
  const profiles = new ProfileOpener(keys);
  const logger = { log: () => undefined, warn: () => undefined, error: (message: string) => new Logger('dump').error(message) };
  const { rows } = await pool.query<{ tx: string; pos: string }>(
    'SELECT transaction_id::text AS tx, global_position::text AS pos FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
  );
  const last = { commit: BigInt(rows[0]!.tx), prepare: BigInt(rows[0]!.pos) };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    await new ProjectionRunner({ pool, store, projections: PROJECTIONS, profiles, timeZones: () => undefined, logger, untilCaughtUp: true, pollMs: 100 }).run();
    const stored = await loadCheckpoints(pool, PROJECTIONS.map((p) => p.name));
    if (PROJECTIONS.every((p) => comparePositions(stored.get(p.name)?.position ?? START, last) >= 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('The projections did not catch up with the log');
}

const sign = (body: string) => createHmac('sha256', SHOPIFY_SECRET).update(body, 'utf8').digest('base64');

describe('personal data in a dump of the database', () => {
  const enrolKey = randomUUID();
  let webhookCustomer: string;

  it('comes in through the API, a webhook and an import, and is projected', async () => {
    const enrol = await engine.call('POST', '/v1/customers', {
      key: pos,
      idempotencyKey: enrolKey,
      body: { customerId: viaApi.customerId, profile: viaApi.profile, consents: [{ channel: 'sms', purpose: 'marketing', proof: { ip: '203.0.113.147' } }] },
    });
    expect(enrol.status).toBe(201);
    const update = await engine.call('PATCH', `/v1/customers/${viaApi.customerId}`, { key: pos, idempotencyKey: randomUUID(), body: { profile: { email: viaApi.changedEmail } } });
    expect(update.status).toBe(200);

    const fixture = JSON.parse(await readFile(path.join(ROOT, 'test/fixtures/webhooks/shopify-order.json'), 'utf8')) as { order: Record<string, unknown> };
    const order = JSON.stringify({
      ...fixture.order,
      id: 7001,
      currency: 'EUR',
      email: viaWebhook.email,
      phone: viaWebhook.phone,
      billing_address: null,
      customer: { id: 88001, email: viaWebhook.email, first_name: viaWebhook.firstName, last_name: viaWebhook.lastName, phone: null },
      buyer_accepts_marketing: true,
    });
    const hook = await engine.call('POST', `/v1/webhooks/shopify/${merchantId}`, {
      raw: order,
      headers: { 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': 'cave.myshopify.com', 'x-shopify-hmac-sha256': sign(order) },
    });
    expect(hook.status).toBe(200);
    webhookCustomer = hook.body.customerId as string;

    const csv = path.join(work, 'clients.csv');
    await writeFile(csv, CSV);
    const imported = await relance(['import', 'customers', csv, '--merchant', merchantId], { CONFIG_DIR: configDir, DATABASE_URL: DUMP_DATABASE_URL });
    expect(imported.stdout).toContain('imported 1');

    await project();
  }, 120_000);

  it('is readable before the keys are destroyed, yet stored nowhere in clear: a clear copy, were there one, would be found', async () => {
    // Sealed, not lost: the API opens the profiles from the events, delivery would from the read model.
    const zephyrine = await engine.call('GET', `/v1/customers/${viaApi.customerId}`, { key: pos });
    expect(zephyrine.body).toMatchObject({ profile: { firstName: 'Zéphyrine-Qx7', email: viaApi.changedEmail, phone: '+33647291853' } });
    const opened = await new SealedProfiles(pool, keys).open(merchantId, [viaApi.customerId, webhookCustomer, viaImport.externalId]);
    expect(opened.get(viaApi.customerId)).toMatchObject({ lastName: 'Quenouille-Vb9', postalAddress: { city: 'Vauclerc-Ym2' }, birthDate: '1987-09-23' });
    expect(opened.get(webhookCustomer)).toMatchObject({ firstName: 'Ysolde-Kw4', email: viaWebhook.email, phone: '+33781920364' });
    expect(opened.get(viaImport.externalId)).toMatchObject({ firstName: 'Aurèle-Hm5', phone: '+33699887766', birthDate: '1979-05-11' });

    // The positive control: the same values in clear in a table of their own are found, there only.
    await pool.query('CREATE TABLE clear_control (value text NOT NULL)');
    await pool.query('INSERT INTO clear_control SELECT unnest($1::text[])', [EVERY_CLEAR_VALUE]);
    try {
      const dumped = await dump();
      expect(dumped).toContain('COPY public.customers ');
      expect(dumped).toContain('COPY public.events ');
      const found = Object.fromEntries(EVERY_CLEAR_VALUE.map((value) => [value, whereIs(dumped, value).tables]));
      expect(found).toEqual(Object.fromEntries(EVERY_CLEAR_VALUE.map((value) => [value, ['public.clear_control']])));
    } finally {
      await pool.query('DROP TABLE clear_control');
    }
  }, 60_000);

  it('is gone from every table once the keys are destroyed: no name, email or phone in clear anywhere in the dump', async () => {
    // Destroyed through the engine's own key store, so that its cache forgets the keys too.
    const engineKeys = engine.app.get<CustomerKeyStore>(KEY_STORE);
    for (const customerId of [viaApi.customerId, webhookCustomer, viaImport.externalId]) await engineKeys.destroy(merchantId, customerId);

    const dumped = await dump();
    const left = EVERY_CLEAR_VALUE.map((value) => ({ value, ...whereIs(dumped, value) })).filter((w) => w.anywhere);
    expect(left).toEqual([]);
    // What the rows do keep of them is sealed, and no longer opens.
    expect(whereIs(dumped, 'pii:v1:').tables).toEqual(expect.arrayContaining(['public.customers', 'public.events', 'public.idempotency_keys']));
    const opened = await new SealedProfiles(pool, new CustomerKeyStore(pool, testConfig().piiMasterKey!)).open(merchantId, [viaApi.customerId, webhookCustomer, viaImport.externalId]);
    expect([...opened.values()]).toEqual([null, null, null]);

    // The engine has nothing left to show, and the stored answer to the enrolment went with the key.
    const zephyrine = await engine.call('GET', `/v1/customers/${viaApi.customerId}`, { key: pos });
    expect(zephyrine.body).toMatchObject({ customerId: viaApi.customerId, profile: null });
    const replay = await engine.call('POST', '/v1/customers', {
      key: pos,
      idempotencyKey: enrolKey,
      body: { customerId: viaApi.customerId, profile: viaApi.profile, consents: [{ channel: 'sms', purpose: 'marketing', proof: { ip: '203.0.113.147' } }] },
    });
    expect(replay.status).toBe(410);
    expect(replay.body).toMatchObject({ error: 'customer-erased' });
    expect(replay.text).not.toMatch(/Qx7/i);
  }, 60_000);
});
