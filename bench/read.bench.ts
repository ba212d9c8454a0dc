import { PostgresEventStore, START, comparePositions } from '@relance/event-store';
import { createPool } from '@relance/platform';
import { UsageError } from '../apps/cli/src/command.js';
import { emmettPeer } from './peers/emmett-peer.js';
import { BENCH_DATABASE_URL, freshBenchDatabase, settleBenchDatabase } from './support/bench-database.js';
import { relanceStore, type BenchStore } from './support/bench-store.js';
import { benchOptions, positiveInt } from './support/options.js';
import { customerStream, purchaseEvent } from './support/purchase-event.js';
import { LatencyRecorder, perSecond, round } from './support/stats.js';

export const usage = 'relance bench read [--events 200000] [--batch 1000] [--peer none|emmett]';

/**
 * Seeds the log (untimed), then times a catch-up subscription reading it all from the start, as a
 * projector rebuilding from position 0 would. Gaps, duplicates and order are checked on the way.
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    events: { default: '200000', help: 'events in the log' },
    batch: { default: '1000', help: 'events per page' },
    peer: { default: 'none', help: 'also measure a peer store' },
  });
  if (o.peer !== 'none' && o.peer !== 'emmett') throw new UsageError(`--peer must be none or emmett (got "${o.peer}")`);
  const events = positiveInt(o.events, 'events');
  const batch = positiveInt(o.batch, 'batch');
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
  calls.length = 0;
  await settleBenchDatabase(url);

  let peerFigures: Record<string, unknown> | undefined;
  if (o.peer === 'emmett') {
    const peer = await emmettPeer(url);
    const latency = new LatencyRecorder();
    const received: string[] = [];
    const started = performance.now();
    for (;;) {
      const page = await latency.time(() => peer.readPage(batch));
      for (const id of page.eventIds) received.push(id);
      if (page.isEnd) break;
    }
    const ms = performance.now() - started;
    await peer.close();
    const { seen, duplicates } = tally(received);
    peerFigures = {
      bench: 'read',
      store: peer.name,
      events: seen.size,
      events_per_s: perSecond(seen.size + duplicates, ms),
      seconds: round(ms / 1000),
      p50_ms: latency.percentile(50),
      p99_ms: latency.percentile(99),
      gaps: ids.filter((id) => !seen.has(id)).length,
      duplicates,
    };
    console.log(JSON.stringify(peerFigures));
  }

  const pool = createPool(url, { max: 4, applicationName: 'relance-bench' });
  const store = new PostgresEventStore(pool, { connectionString: url });
  const latency = new LatencyRecorder();
  const received: string[] = [];
  let outOfOrder = 0;
  let last = START;
  const started = performance.now();
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
  const ms = performance.now() - started;
  await store.close();
  await pool.end();
  const { seen, duplicates } = tally(received);
  const ours = {
    bench: 'read',
    store: 'relance-postgres',
    events: seen.size,
    events_per_s: perSecond(seen.size + duplicates, ms),
    seconds: round(ms / 1000),
    p50_ms: latency.percentile(50),
    p99_ms: latency.percentile(99),
    gaps: ids.filter((id) => !seen.has(id)).length,
    duplicates,
    out_of_order: outOfOrder,
  };
  if (!peerFigures) return ours;
  return { ...ours, peer: peerFigures.store, peer_events_per_s: peerFigures.events_per_s, peer_gaps: peerFigures.gaps, vs_peer: round(ours.events_per_s / (peerFigures.events_per_s as number)) };
}

/** Counted once the clock has stopped: the figures are the store's, not a hash set's. */
function tally(received: readonly string[]): { seen: Set<string>; duplicates: number } {
  const seen = new Set(received);
  return { seen, duplicates: received.length - seen.size };
}
