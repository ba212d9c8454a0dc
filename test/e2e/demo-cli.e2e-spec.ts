import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
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
  it('prepares everything, serves the seeded merchant, stops on Ctrl-C, and a second run reuses it all', async () => {
    const first = await startDemo();
    expect(first.output).toContain('Created a development master key');
    expect(first.output).toContain('Entered 8 demo requests');
    const token = (await readFile(path.join(stateDir, 'demo-api-key'), 'utf8')).trim();
    expect(first.output).toContain(token);
    expect((await stat(path.join(stateDir, 'dev-master-key'))).mode & 0o777).toBe(0o600);

    const camille = await getJson(first.engineUrl, '/v1/customers/demo-camille', token);
    expect(camille.status).toBe(200);
    // 2 × 34.90 € of champagne at ×2 earn 139 points; the promo line earns nothing.
    expect(camille.body).toMatchObject({ type: 'b2c', profile: { email: 'camille.martin@example.fr', phone: '+33612345678' }, points: { balance: 139 } });
    expect((await getJson(first.engineUrl, '/v1/customers/demo-bouchon', token)).body).toMatchObject({ type: 'b2b', businessCategory: 'restaurant' });
    expect(await first.stop()).toBe(0);

    const second = await startDemo();
    expect(second.output).not.toContain('Created a development master key');
    expect(second.output).toContain('Demo data already present: nothing added.');
    expect(second.output).toContain(token);
    expect((await getJson(second.engineUrl, '/v1/customers/demo-camille', token)).body).toMatchObject({ points: { balance: 139 } });
    expect(await second.stop()).toBe(0);

    const db = new pg.Client({ connectionString: DEMO_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM api_keys WHERE merchant_id = 'cave-demo'");
      expect(Number(rows[0]!.n)).toBe(1);
    } finally {
      await db.end();
    }
  }, 180_000);

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
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', DATABASE_URL: DEMO_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'warn' };
  delete env.PII_MASTER_KEY;
  delete env.PII_MASTER_KEY_FILE;
  return env;
}

async function startDemo(): Promise<{ output: string; engineUrl: string; stop: () => Promise<number | null> }> {
  const [enginePort, projectorPort] = [await freePort(), await freePort()];
  const demo = spawn(process.execPath, [path.join(ROOT, 'bin/relance.js'), 'demo', '--state-dir', stateDir], {
    cwd: ROOT,
    env: { ...baseEnv(), ENGINE_PORT: String(enginePort), PROJECTOR_PORT: String(projectorPort) },
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
      if (output.includes('Ctrl-C stops both.')) resolve();
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
