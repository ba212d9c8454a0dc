import { randomBytes } from 'node:crypto';
import { PostgresEventStore } from '@relance/event-store';
import { createPool, loadMerchantConfig, SERVICE_NODE_FLAGS } from '@relance/platform';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECTIONS } from '../apps/projector/src/projections/index.js';
import { BENCH_DATABASE_URL, freshBenchDatabase, settleBenchDatabase } from './support/bench-database.js';
import { benchOptions, positiveInt } from './support/options.js';
import { seedHistory } from './support/seed-history.js';
import { round } from './support/stats.js';

export const usage = 'relance bench rebuild [--events 1000000] [--batch 5000] [--runs 1]';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG_DIR = path.join(ROOT, 'config');

/**
 * Seeds a caviste's history (untimed) through the store's batched append, then times a blue/green
 * rebuild of every read model from position 0: one pass over the log, `_next` tables, swap.
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    events: { default: '1000000', help: 'events in the log' },
    batch: { default: '5000', help: 'events per rebuild transaction' },
    runs: { default: '1', help: 'rebuilds of the same log (the machine is shared: the best is reported too)' },
  });
  const runs = positiveInt(o.runs, 'runs');
  const target = positiveInt(o.events, 'events');
  const batchSize = positiveInt(o.batch, 'batch');
  const url = await freshBenchDatabase(BENCH_DATABASE_URL);
  const pool = createPool(url, { max: 10, applicationName: 'relance-bench' });
  const store = new PostgresEventStore(pool, { connectionString: url });
  // A fixed key (BENCH_MASTER_KEY) lets a profiler rerun `projections rebuild` on the seeded database.
  const masterKey = process.env.BENCH_MASTER_KEY ? Buffer.from(process.env.BENCH_MASTER_KEY, 'base64') : randomBytes(32);
  try {
    const program = (await loadMerchantConfig(CONFIG_DIR, 'cave-demo')).program;
    const seeded = await seedHistory(pool, store, masterKey, program, target);
    console.error(`seeded ${seeded.events} events (${seeded.customers} customers) in ${round(seeded.seconds)} s`);
    await settleBenchDatabase(url);

    // The rebuild runs as the operator runs it, `relance projections rebuild`, in a process of its own:
    // its heap then holds nothing of the seeding, as in production.
    const timings: number[] = [];
    for (let r = 0; r < runs; r++) {
      timings.push(await rebuildInChild(url, masterKey, batchSize));
      console.error(`rebuild ${r + 1}/${runs}: ${round(timings[r]!)} s`);
    }
    const seconds = timings[timings.length - 1]!;
    const { rows } = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
    const events = Number(rows[0]!.n);
    const tables = await pool.query<{ name: string; rows: string }>(
      `SELECT relname AS name, n_live_tup::text AS rows FROM pg_stat_user_tables WHERE relname = ANY($1::text[]) ORDER BY relname`,
      [PROJECTIONS.flatMap((p) => p.tables)],
    );
    console.error(`read-model rows: ${tables.rows.map((t) => `${t.name}=${t.rows}`).join(' ')}`);
    return {
      bench: 'rebuild',
      projections: PROJECTIONS.length,
      events,
      batch: batchSize,
      seconds: round(seconds),
      events_per_s: Math.round(events / seconds),
      ...(runs > 1 ? { runs: timings.map((t) => round(t)), best_events_per_s: Math.round(events / Math.min(...timings)) } : {}),
    };
  } finally {
    await store.close();
    await pool.end();
  }
}


/** Runs `relance projections rebuild` on the bench database; returns the seconds the command reports. */
async function rebuildInChild(url: string, masterKey: Buffer, batchSize: number): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [...SERVICE_NODE_FLAGS, path.join(ROOT, 'bin/relance.js'), 'projections', 'rebuild', '--batch', String(batchSize)], {
    cwd: ROOT,
    env: { DATABASE_URL: url, PII_MASTER_KEY: masterKey.toString('base64'), CONFIG_DIR, LOG_LEVEL: 'warn' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const match = /in ([\d.]+) s/.exec(stdout);
  if (!match) throw new Error(`Unexpected output of the rebuild: ${stdout}`);
  return Number(match[1]);
}
