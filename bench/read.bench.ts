import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PostgresEventStore, START, comparePositions } from '@relance/event-store';
import { createPool, UsageError } from '@relance/platform';
import { emmettPeer } from './peers/emmett-peer.js';
import { BENCH_DATABASE_URL, freshBenchDatabase, settleBenchDatabase } from './support/bench-database.js';
import { relanceStore, type BenchStore } from './support/bench-store.js';
import { benchOptions, positiveInt } from './support/options.js';
import { customerStream, purchaseEvent } from './support/purchase-event.js';
import { LatencyRecorder, perSecond, round } from './support/stats.js';

export const usage = 'relance bench read [--events 200000] [--batch 1000] [--peer none|emmett]';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
type StoreName = 'relance' | 'emmett';

/**
 * Seeds the log (untimed), then times a catch-up subscription reading it all from the start, as a
 * projector rebuilding from position 0 would. Each timed read runs in a process of its own (this
 * command again, with --read-only): its heap holds nothing of the seeding, as a projector's would not,
 * and the peer's read cannot weigh on ours. Gaps, duplicates and order are checked.
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    events: { default: '200000', help: 'events in the log' },
    batch: { default: '1000', help: 'events per page' },
    peer: { default: 'none', help: 'also measure a peer store' },
    'read-only': { default: '', help: '(internal) time the read of the seeded log by this store, in this process' },
    'ids-file': { default: '', help: '(internal) where --read-only writes the event ids it read' },
  });
  const batch = positiveInt(o.batch, 'batch');
  if (o['read-only']) {
    if (o['read-only'] !== 'relance' && o['read-only'] !== 'emmett') throw new UsageError(`--read-only must be relance or emmett (got "${o['read-only']}")`);
    if (!o['ids-file']) throw new UsageError('--read-only needs --ids-file');
    return timedRead(o['read-only'], batch, o['ids-file']);
  }
  if (o.peer !== 'none' && o.peer !== 'emmett') throw new UsageError(`--peer must be none or emmett (got "${o.peer}")`);
  const events = positiveInt(o.events, 'events');
  const url = await freshBenchDatabase(BENCH_DATABASE_URL);

  // The same events go into each store: 10,000 streams, appended by 4 writers in batches of 500 so
  // that transactions interleave, as they do in production.
  const calls: { stream: string; events: ReturnType<typeof purchaseEvent>[] }[] = [];
  for (let n = 0; n < events; n += 500) {
    const customer = (n / 500) % 10_000;
    const evts = Array.from({ length: Math.min(500, events - n) }, (_, k) => purchaseEvent(customer, n + k));
    calls.push({ stream: customerStream(customer), events: evts });
  }
  const ids = calls.flatMap((c) => c.events.map((e) => e.metadata.eventId));
  const seed = async (store: BenchStore) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < calls.length) {
          const call = calls[next++]!;
          await store.append(call.stream, call.events);
        }
      }),
    );
    await store.close();
  };
  if (o.peer === 'emmett') await seed(await emmettPeer(url));
  await seed(relanceStore(url, 6));
  await settleBenchDatabase(url);

  const peer = o.peer === 'emmett' ? await readInChild('emmett', batch, ids) : undefined;
  if (peer) console.log(JSON.stringify(peer));
  const ours = await readInChild('relance', batch, ids);
  if (!peer) return { ...ours };
  return { ...ours, peer: peer.store, peer_events_per_s: peer.events_per_s, peer_gaps: peer.gaps, vs_peer: round(ours.events_per_s / peer.events_per_s) };
}

interface ReadFigures {
  bench: 'read';
  store: string;
  events: number;
  events_per_s: number;
  seconds: number;
  p50_ms: number;
  p99_ms: number;
  out_of_order?: number;
}

/** The timed part, in the child: read everything, keep the ids for the parent's checks. */
async function timedRead(name: StoreName, batch: number, idsFile: string): Promise<Record<string, unknown>> {
  const url = BENCH_DATABASE_URL;
  const latency = new LatencyRecorder();
  const received: string[] = [];
  let figures: Omit<ReadFigures, 'events' | 'events_per_s' | 'seconds' | 'p50_ms' | 'p99_ms'>;
  let close: () => Promise<void>;
  const started = performance.now();
  if (name === 'emmett') {
    const peer = await emmettPeer(url);
    for (;;) {
      const page = await latency.time(() => peer.readPage(batch));
      for (const id of page.eventIds) received.push(id);
      if (page.isEnd) break;
    }
    figures = { bench: 'read', store: peer.name };
    close = () => peer.close();
  } else {
    const pool = createPool(url, { max: 4, applicationName: 'relance-bench' });
    const store = new PostgresEventStore(pool, { connectionString: url });
    let outOfOrder = 0;
    let last = START;
    let pageStarted = started;
    for await (const b of store.subscribe({ batchSize: batch })) {
      latency.record(performance.now() - pageStarted);
      for (const e of b.events) {
        received.push(e.metadata.eventId);
        if (comparePositions(last, e.position) >= 0) outOfOrder++;
        last = e.position;
      }
      if (b.caughtUp) break;
      pageStarted = performance.now();
    }
    figures = { bench: 'read', store: 'relance-postgres', out_of_order: outOfOrder };
    close = async () => {
      await store.close();
      await pool.end();
    };
  }
  const ms = performance.now() - started;
  await close();
  await writeFile(idsFile, JSON.stringify(received));
  return {
    ...figures,
    events: received.length,
    events_per_s: perSecond(received.length, ms),
    seconds: round(ms / 1000),
    p50_ms: latency.percentile(50),
    p99_ms: latency.percentile(99),
  };
}

/** Runs the timed read in a fresh process, then checks what it read against what was appended. */
async function readInChild(name: StoreName, batch: number, appended: readonly string[]): Promise<ReadFigures & { gaps: number; duplicates: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relance-bench-read-'));
  try {
    const idsFile = path.join(dir, 'ids.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'bin/relance.js'), 'bench', 'read', '--read-only', name, '--batch', String(batch), '--ids-file', idsFile],
      { cwd: ROOT, env: { ...process.env, BENCH_DATABASE_URL }, maxBuffer: 16 * 1024 * 1024 },
    );
    const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as ReadFigures;
    const received = JSON.parse(await readFile(idsFile, 'utf8')) as string[];
    const seen = new Set(received);
    return { ...figures, events: seen.size, gaps: appended.filter((id) => !seen.has(id)).length, duplicates: received.length - seen.size };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
