import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '@relance/testing/test-env.js';
import { ROOT } from './support/engine-harness.js';

// The README's first command, as a newcomer runs it: no master key, no API key, a database that does
// not exist yet. Its own database, so the demo merchant's data never meets other tests'.
// Named after this run's test database, so that two checkouts' runs on one server never share it.
const DEMO_DATABASE = `${new URL(TEST_DATABASE_URL).pathname.slice(1)}_demo`;
const DEMO_DATABASE_URL = TEST_DATABASE_URL.replace(/\/[^/?]+(\?|$)/, `/${DEMO_DATABASE}$1`);
// Delivery jobs are keyed by message id, and a time campaign's message id is the same on the same day:
// a queue of its own, so that a job an earlier run completed today is not taken for this run's.
const QUEUE_PREFIX = `demo_${randomBytes(6).toString('hex')}`;
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'relance-demo-'));
  await dropDemoDatabase();
});

/** Demos still running: a test that fails before stopping its demo must not leave it (and jest) running. */
const running = new Set<{ stop: () => Promise<number | null> }>();

afterAll(async () => {
  await Promise.all([...running].map((demo) => demo.stop()));
  await rm(stateDir, { recursive: true, force: true });
  await dropDemoDatabase();
});

describe('relance demo', () => {
  it('prepares everything, fires the example campaigns into the outbox, stops on Ctrl-C, and a second run reuses it all', async () => {
    const first = await startDemo();
    expect(first.output).toContain('Created a development master key');
    expect(first.output).toContain('Entered 15 demo requests');
    expect(first.output).toMatch(/\[rules\] +rules engine started for cave-demo/);
    const token = (await readFile(path.join(stateDir, 'demo-api-key'), 'utf8')).trim();
    expect(first.output).toContain(token);
    expect((await stat(path.join(stateDir, 'dev-master-key'))).mode & 0o777).toBe(0o600);

    // The printed outbox is the merchant's folder under the state folder, and holds a file per message
    // of at least four campaigns, each a message the rules engine decided (the messages read model).
    const outbox = /^Outbox: (\S+)/m.exec(first.output)?.[1];
    expect(outbox).toBe(path.join(stateDir, 'outbox', 'cave-demo'));
    expect((await stat(outbox!)).isDirectory()).toBe(true);
    const files = await outboxFiles(outbox!);
    const campaigns = await campaignsOf(files.map((f) => path.basename(f).replace(/\.[a-z]+$/, '')));
    expect(new Set(campaigns.values()).size).toBeGreaterThanOrEqual(4);
    expect([...new Set(campaigns.values())].sort()).toEqual(['anniversaire', 'bienvenue', 'gros-panier', 'nouveau-statut', 'points-expirent', 'reactivation']);
    expect(campaigns.size).toBe(files.length);
    // Every message went by email (no quiet hours), to the customer the campaign is about.
    expect(files.every((f) => f.startsWith(path.join(outbox!, 'email') + path.sep) && f.endsWith('.eml'))).toBe(true);
    const birthday = files.find((f) => campaigns.get(path.basename(f, '.eml')) === 'anniversaire')!;
    expect(await readFile(birthday, 'utf8')).toMatch(/^To: .*<ines\.moreau@example\.fr>\r?$/m);
    const reactivation = files.find((f) => campaigns.get(path.basename(f, '.eml')) === 'reactivation')!;
    expect(await readFile(reactivation, 'utf8')).toMatch(/^To: .*<marc\.dubois@example\.fr>\r?$/m);
    // The summary names each campaign with its channel and count, and no message failed.
    expect(first.output).not.toMatch(/\d+ failed/);
    expect(first.output).toMatch(/^ +anniversaire +email +1 sent$/m);
    expect(first.output).toMatch(/^ +gros-panier +email +2 sent$/m);

    // 2 × 34.90 € of champagne at ×2 earn 139 points; the promo line earns nothing; the welcome campaign adds 50.
    const camille = await getJson(first.engineUrl, '/v1/customers/demo-camille', token);
    expect(camille.status).toBe(200);
    expect(camille.body).toMatchObject({ type: 'b2c', profile: { email: 'camille.martin@example.fr', phone: '+33612345678' } });
    expect(await balanceOnceSettled(first.engineUrl, 'demo-camille', token, 189)).toBe(189);
    expect((await getJson(first.engineUrl, '/v1/customers/demo-bouchon', token)).body).toMatchObject({ type: 'b2b', businessCategory: 'restaurant' });
    expect(await first.stop()).toBe(0);

    // `relance rules fire` is the run the demo did: once more, it finds the same customers and decides nothing twice.
    const fired = await runCli(['rules', 'fire', '--merchant', 'cave-demo', '--all'], { PII_MASTER_KEY_FILE: path.join(stateDir, 'dev-master-key') });
    expect(fired.code).toBe(0);
    expect(fired.stdout).toMatch(/^anniversaire: 1 customers found for \d{4}-\d{2}-\d{2}, 0 decided now, 0 triggered$/m);
    expect(fired.stdout).toMatch(/^points-expirent: 1 customers found for \d{4}-\d{2}-\d{2}, 0 decided now, 0 triggered$/m);

    const second = await startDemo();
    expect(second.output).not.toContain('Created a development master key');
    expect(second.output).toContain('Demo data already present: nothing added.');
    expect(second.output).toContain(token);
    expect((await getJson(second.engineUrl, '/v1/customers/demo-camille', token)).body).toMatchObject({ points: { balance: 189 } });
    // Nothing decided or sent twice: the same files, and the summary says the same.
    expect((await outboxFiles(outbox!)).sort()).toEqual([...files].sort());
    expect(second.output).toMatch(/^ +gros-panier +email +2 sent$/m);
    expect(await second.stop()).toBe(0);

    const db = new pg.Client({ connectionString: DEMO_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM api_keys WHERE merchant_id = 'cave-demo'");
      expect(Number(rows[0]!.n)).toBe(1);
    } finally {
      await db.end();
    }
  }, 360_000);

  it('says which service is down and how to start it', async () => {
    const demo = spawn(process.execPath, [path.join(ROOT, 'bin/relance.js'), 'demo', '--state-dir', stateDir], {
      cwd: ROOT,
      env: { ...baseEnv(), REDIS_URL: 'redis://127.0.0.1:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    demo.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => demo.on('exit', resolve));
    expect(code).toBe(69);
    expect(stderr).toContain('Redis is not reachable at redis://127.0.0.1:1');
    expect(stderr).toContain('docker compose up -d postgres redis');
  }, 60_000);
});

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', DATABASE_URL: DEMO_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, DELIVERY_QUEUE_PREFIX: QUEUE_PREFIX, LOG_LEVEL: 'warn' };
  delete env.PII_MASTER_KEY;
  delete env.PII_MASTER_KEY_FILE;
  delete env.OUTBOX_DIR;
  return env;
}

async function startDemo(): Promise<{ output: string; engineUrl: string; stop: () => Promise<number | null> }> {
  const [enginePort, projectorPort] = [await freePort(), await freePort()];
  const demo = spawn(process.execPath, [path.join(ROOT, 'bin/relance.js'), 'demo', '--state-dir', stateDir], {
    cwd: ROOT,
    env: { ...baseEnv(), ENGINE_PORT: String(enginePort), PROJECTOR_PORT: String(projectorPort), RULES_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => demo.on('exit', resolve));
  const handle = {
    stop: async () => {
      demo.kill('SIGINT');
      // Ctrl-C stops both apps within their grace period; past it, nothing is left behind.
      const timer = setTimeout(() => demo.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      running.delete(handle);
      return code;
    },
  };
  running.add(handle);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ctrl-C stops all three.')) resolve();
    };
    demo.stdout.on('data', onData);
    demo.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`demo exited with ${code} before it was ready:\n${output}`)));
  });
  return { output, engineUrl: `http://127.0.0.1:${enginePort}`, stop: handle.stop };
}

async function getJson(baseUrl: string, url: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}${url}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

async function runCli(args: string[], extraEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/relance.js'), ...args], { cwd: ROOT, env: { ...baseEnv(), ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout };
}

/** Every file under the outbox folder, by channel. */
async function outboxFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Message id → campaign, from the demo database's messages read model. */
async function campaignsOf(messageIds: readonly string[]): Promise<Map<string, string>> {
  const db = new pg.Client({ connectionString: DEMO_DATABASE_URL });
  await db.connect();
  try {
    const { rows } = await db.query<{ message_id: string; campaign_id: string }>(
      "SELECT message_id, campaign_id FROM messages WHERE merchant_id = 'cave-demo' AND message_id = ANY($1::text[])",
      [messageIds],
    );
    return new Map(rows.map((r) => [r.message_id, r.campaign_id]));
  } finally {
    await db.end();
  }
}

/** Bonus points follow a decision on their own subscription: the balance once it reached `expected`, or the last one read. */
async function balanceOnceSettled(baseUrl: string, customerId: string, token: string, expected: number): Promise<number> {
  let balance = -1;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 250))) {
    balance = ((await getJson(baseUrl, `/v1/customers/${customerId}`, token)).body as { points: { balance: number } }).points.balance;
    if (balance === expected) break;
  }
  return balance;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function dropDemoDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL.replace(/\/[^/?]+(\?|$)/, '/postgres$1') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${DEMO_DATABASE}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
