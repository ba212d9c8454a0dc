import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createPool, UsageError } from '@relance/platform';
import { ApiKeysRepository } from '../apps/engine/src/auth/api-keys.repository.js';
import { BENCH_DATABASE_URL, freshBenchDatabase, settleBenchDatabase } from './support/bench-database.js';
import { benchConfigDir } from './support/bench-merchant.js';
import { EngineProcess } from './support/engine-process.js';
import { postgresCpuSeconds } from './support/process-cpu.js';
import { HttpClient } from './support/http-client.js';
import { benchOptions, positiveInt } from './support/options.js';
import { LatencyRecorder, perSecond, round } from './support/stats.js';

export const usage =
  'relance bench ingest [--purchases 50000] [--customers 2000] [--concurrency 32] [--rate 0] [--anonymous 0.2] [--warmup 2000] [--pool 20] [--runs 1]';

const MERCHANT = 'bench-ingest';
const STORES = ['halles', 'croix-rousse'];
const CATALOGUE = [
  { sku: 'SJ-2021', name: 'Saint-Joseph 2021', category: 'rouge', unitPriceCents: 2450 },
  { sku: 'CH-BRUT', name: 'Champagne brut', category: 'champagne', unitPriceCents: 3900 },
  { sku: 'MUSC-22', name: 'Muscadet 2022', category: 'blanc', unitPriceCents: 1150 },
  { sku: 'WHISKY-12', name: 'Whisky 12 ans', category: 'spiritueux', unitPriceCents: 5400 },
];

/**
 * Purchases over real HTTP into an engine started as a child process (`node bin/relance.js engine`),
 * in a fresh bench database. Untimed: API key, customers, a warm-up. Timed: either a closed loop
 * (--concurrency requests in flight, as fast as the engine answers: purchases_per_s) or, with --rate,
 * an open loop that sends at a fixed rate whatever the answers (latency counted from the scheduled send
 * time, so a stall is not hidden by fewer requests being sent).
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    purchases: { default: '50000', help: 'timed purchases' },
    customers: { default: '2000', help: 'customers enrolled before the timed part' },
    concurrency: { default: '32', help: 'requests in flight (closed loop)' },
    rate: { default: '0', help: 'purchases per second, open loop (0: closed loop)' },
    anonymous: { default: '0.2', help: 'share of anonymous purchases' },
    warmup: { default: '2000', help: 'untimed purchases first' },
    pool: { default: '20', help: 'DATABASE_POOL_MAX of the engine' },
    runs: { default: '1', help: 'runs, each on a fresh database and engine (the machine is shared: medians are reported)' },
  });
  const settings: IngestSettings = {
    purchases: positiveInt(o.purchases, 'purchases'),
    customers: positiveInt(o.customers, 'customers'),
    concurrency: positiveInt(o.concurrency, 'concurrency'),
    rate: Number(o.rate),
    anonymous: Number(o.anonymous),
    warmup: Number(o.warmup),
    pool: o.pool,
  };
  if (!Number.isFinite(settings.rate) || settings.rate < 0) throw new UsageError(`--rate must be 0 or a positive number (got "${o.rate}")`);
  if (!(settings.anonymous >= 0 && settings.anonymous <= 1)) throw new UsageError(`--anonymous must be between 0 and 1 (got "${o.anonymous}")`);
  if (!Number.isInteger(settings.warmup) || settings.warmup < 0) throw new UsageError(`--warmup must be 0 or a positive integer (got "${o.warmup}")`);
  const runs = positiveInt(o.runs, 'runs');
  const figures: IngestFigures[] = [];
  for (let r = 0; r < runs; r++) {
    figures.push(await ingestOnce(settings));
    if (runs > 1) console.error(`ingest ${r + 1}/${runs}: ${JSON.stringify(figures[r])}`);
  }
  return runs === 1 ? figures[0]! : summarise(figures);
}

interface IngestSettings {
  readonly purchases: number;
  readonly customers: number;
  readonly concurrency: number;
  readonly rate: number;
  readonly anonymous: number;
  readonly warmup: number;
  readonly pool: string;
}

type IngestFigures = Record<string, unknown> & {
  purchases_per_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  purchases_stored: number;
  engine_cpu_ms_per_purchase: number | null;
  postgres_cpu_ms_per_purchase: number | null;
  load_generator_cpu_ms_per_purchase: number;
};

/**
 * Several runs in one line: medians of the figures (one slow or fast run says little on a shared
 * machine), every run's throughput and p99, errors summed, and the fewest purchases any run stored.
 */
function summarise(figures: readonly IngestFigures[]): Record<string, unknown> {
  const median = (pick: (f: IngestFigures) => number | null): number | null => {
    const values = figures.map(pick).filter((v): v is number => v !== null).sort((a, b) => a - b);
    if (values.length === 0) return null;
    const mid = Math.floor(values.length / 2);
    return values.length % 2 === 1 ? values[mid]! : round((values[mid - 1]! + values[mid]!) / 2, 3);
  };
  const { seconds: _seconds, engine_cpu_s: _cpu, ...first } = figures[0]!;
  return {
    ...first,
    runs: figures.length,
    purchases_per_s: median((f) => f.purchases_per_s),
    p50_ms: median((f) => f.p50_ms),
    p90_ms: median((f) => f.p90_ms),
    p99_ms: median((f) => f.p99_ms),
    max_ms: Math.max(...figures.map((f) => f.max_ms)),
    errors: figures.reduce((sum, f) => sum + f.errors, 0),
    purchases_stored: Math.min(...figures.map((f) => f.purchases_stored)),
    engine_cpu_ms_per_purchase: median((f) => f.engine_cpu_ms_per_purchase),
    postgres_cpu_ms_per_purchase: median((f) => f.postgres_cpu_ms_per_purchase),
    load_generator_cpu_ms_per_purchase: median((f) => f.load_generator_cpu_ms_per_purchase),
    each_purchases_per_s: figures.map((f) => f.purchases_per_s),
    each_p99_ms: figures.map((f) => f.p99_ms),
  };
}

async function ingestOnce({ purchases, customers, concurrency, rate, anonymous, warmup, pool: poolMax }: IngestSettings): Promise<IngestFigures> {
  const url = await freshBenchDatabase(BENCH_DATABASE_URL);
  const configDir = await benchConfigDir(MERCHANT);
  const engine = await EngineProcess.start({
    DATABASE_URL: url,
    DATABASE_POOL_MAX: poolMax,
    CONFIG_DIR: configDir,
    PII_MASTER_KEY: randomBytes(32).toString('base64'),
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13',
  }, 60_000, process.env.BENCH_ENGINE_NODE_ARGS?.split(' ').filter(Boolean) ?? []);
  const pool = createPool(url, { max: 2, applicationName: 'relance-bench' });
  // An open loop must not wait for free connections: a run that falls behind after a pause catches up
  // only if what is due can be sent, as many terminals would.
  const client = new HttpClient(engine.baseUrl, rate > 0 ? 512 : concurrency);
  try {
    const key = (await new ApiKeysRepository(pool).create(MERCHANT, 'pos', 'bench')).token;
    const headers = { authorization: `Bearer ${key}` };
    const ids = Array.from({ length: customers }, (_, i) => `bench-c${i}`);
    await inParallel(ids.length, 16, async (i) => {
      const res = await client.request('POST', '/v1/customers', { customerId: ids[i], storeId: STORES[i % 2], profile: { email: `client${i}@example.fr` } }, headers);
      if (res.status !== 201) throw new Error(`Enrolment failed: ${res.status} ${res.body}`);
    });
    const send = async (): Promise<number> => {
      const body = purchaseBody(Math.random() < anonymous ? null : ids[Math.floor(Math.random() * ids.length)]!);
      const res = await client.request('POST', '/v1/purchases', body, { ...headers, 'idempotency-key': randomUUID() });
      return res.status;
    };
    // Untimed, but a warm-up that fails would make every figure after it meaningless.
    const warm = (count: number) =>
      inParallel(count, concurrency, async () => {
        const status = await send();
        if (status !== 201) throw new Error(`A warm-up purchase failed: ${status}`);
      });
    if (warmup > 0) await warm(warmup);
    // A database as it runs day to day: tables analysed (autovacuum would have, a minute in), so the
    // engine's statements are planned for tables with rows rather than for the empty ones of the start.
    await settleBenchDatabase(url);
    // And warmed again, briefly: the first writes after the settle's CHECKPOINT log whole pages (a
    // stall of one or two seconds), which a database in its day does not go through all at once.
    const rewarm = Math.min(warmup, 1000);
    if (rewarm > 0) await warm(rewarm);

    const cpuBefore = await engine.cpuSeconds();
    const pgBefore = await postgresCpuSeconds();
    const benchBefore = process.cpuUsage();
    const latency = new LatencyRecorder();
    let errors = 0;
    const started = performance.now();
    if (rate > 0) {
      await openLoop(purchases, rate, latency, async () => {
        if ((await send().catch(() => 0)) !== 201) errors++;
      });
    } else {
      await inParallel(purchases, concurrency, async () => {
        const t = performance.now();
        const status = await send().catch(() => 0);
        latency.record(performance.now() - t);
        if (status !== 201) errors++;
      });
    }
    const ms = performance.now() - started;
    const cpuAfter = await engine.cpuSeconds();
    const pgAfter = await postgresCpuSeconds();
    const benchCpu = process.cpuUsage(benchBefore);
    const stored = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE event_type = 'PurchaseRecorded'`);
    return {
      bench: 'ingest',
      mode: rate > 0 ? 'open-loop' : 'closed-loop',
      purchases,
      customers,
      ...(rate > 0 ? { rate } : { concurrency }),
      anonymous_share: anonymous,
      seconds: round(ms / 1000),
      purchases_per_s: perSecond(purchases, ms),
      p50_ms: latency.percentile(50),
      p90_ms: latency.percentile(90),
      p99_ms: latency.percentile(99),
      max_ms: latency.percentile(100),
      errors,
      purchases_stored: stored.rows[0]!.n - warmup - rewarm,
      engine_cpu_s: cpuBefore !== null && cpuAfter !== null ? round(cpuAfter - cpuBefore) : null,
      // CPU per purchase on each side of the wire: on two shared cores, their sum bounds the throughput.
      engine_cpu_ms_per_purchase: cpuBefore !== null && cpuAfter !== null ? round(((cpuAfter - cpuBefore) * 1000) / purchases, 3) : null,
      postgres_cpu_ms_per_purchase: pgBefore !== null && pgAfter !== null ? round(((pgAfter - pgBefore) * 1000) / purchases, 3) : null,
      load_generator_cpu_ms_per_purchase: round((benchCpu.user + benchCpu.system) / 1000 / purchases, 3),
    };
  } finally {
    client.close();
    await engine.stop();
    await pool.end();
    await rm(configDir, { recursive: true, force: true });
  }
}

function purchaseBody(customerId: string | null) {
  const count = 1 + Math.floor(Math.random() * 3);
  const lines = Array.from({ length: count }, () => {
    const item = CATALOGUE[Math.floor(Math.random() * CATALOGUE.length)]!;
    return { ...item, quantity: 1 + Math.floor(Math.random() * 3), promo: Math.random() < 0.1 };
  });
  return { ...(customerId ? { customerId } : {}), storeId: STORES[Math.floor(Math.random() * 2)], currency: 'EUR', lines, purchasedAt: new Date().toISOString() };
}

async function inParallel(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** Sends `count` requests at `rate` per second on schedule, whatever the answers; latency from the schedule. */
async function openLoop(count: number, rate: number, latency: LatencyRecorder, work: () => Promise<void>): Promise<void> {
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const p = work().then(() => latency.record(performance.now() - due));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
}
