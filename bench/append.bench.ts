import { emmettPeer } from './peers/emmett-peer.js';
import { BENCH_DATABASE_URL, freshBenchDatabase } from './support/bench-database.js';
import { relanceStore, type BenchStore } from './support/bench-store.js';
import { benchOptions, positiveInt } from './support/options.js';
import { customerStream, purchaseEvent } from './support/purchase-event.js';
import { LatencyRecorder, perSecond, round } from './support/stats.js';
import { UsageError } from '@relance/platform';

export const usage =
  'relance bench append [--events 200000] [--writers 8] [--batch 100] [--streams 10000] [--reader live|after] [--peer none|emmett]';

/**
 * Concurrent writers append purchases to random customer streams; a reader reads the whole log, either
 * following it while the writers run (live, the default: what a projector sees) or once they are done
 * (after). Its view is checked for gaps, duplicates and order. With --peer, the same run first measures
 * the peer on the same events and machine (both with the reader after: the peer's reader can loop on
 * pages it already read while writers are still committing), and the last line gives the ratio.
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    events: { default: '200000', help: 'events to append in total' },
    writers: { default: '8', help: 'concurrent writers' },
    batch: { default: '100', help: 'events per append call (1 = single-event appends)' },
    streams: { default: '10000', help: 'distinct streams' },
    peer: { default: 'none', help: 'also measure a peer store' },
    reader: { default: 'live', help: 'read the log while writing (live) or after (after)' },
  });
  if (o.peer !== 'none' && o.peer !== 'emmett') throw new UsageError(`--peer must be none or emmett (got "${o.peer}")`);
  if (o.reader !== 'live' && o.reader !== 'after') throw new UsageError(`--reader must be live or after (got "${o.reader}")`);
  const options = {
    live: o.reader === 'live' && o.peer === 'none',
    events: positiveInt(o.events, 'events'),
    writers: positiveInt(o.writers, 'writers'),
    batch: positiveInt(o.batch, 'batch'),
    streams: positiveInt(o.streams, 'streams'),
  };
  const url = await freshBenchDatabase(BENCH_DATABASE_URL);
  let peer: Record<string, unknown> | undefined;
  if (o.peer === 'emmett') {
    peer = await measure(await emmettPeer(url), options);
    console.log(JSON.stringify(peer));
  }
  const ours = await measure(relanceStore(url, options.writers + 2), options);
  if (!peer) return ours;
  return {
    ...ours,
    peer: peer.store,
    peer_events_per_s: peer.events_per_s,
    peer_gaps: peer.gaps,
    vs_peer: round((ours.events_per_s as number) / (peer.events_per_s as number)),
  };
}

interface Options {
  readonly live: boolean;
  readonly events: number;
  readonly writers: number;
  readonly batch: number;
  readonly streams: number;
}

async function measure(store: BenchStore, o: Options): Promise<Record<string, unknown>> {
  // Events are built before the clock starts: the figure is the store's, not the generator's.
  const perWriter = Math.ceil(o.events / o.writers);
  const plans = Array.from({ length: o.writers }, (_, w) => {
    const mine = Math.max(0, Math.min(perWriter, o.events - w * perWriter));
    const calls = [];
    for (let sent = 0; sent < mine; sent += o.batch) {
      const customer = Math.floor(Math.random() * o.streams);
      const size = Math.min(o.batch, mine - sent);
      calls.push({ stream: customerStream(customer), events: Array.from({ length: size }, (_, k) => purchaseEvent(customer, w * perWriter + sent + k)) });
    }
    return calls;
  });
  const appended = new Set(plans.flat().flatMap((c) => c.events.map((e) => e.metadata.eventId)));

  const latency = new LatencyRecorder();
  const received = new Set<string>();
  let duplicates = 0;
  let outOfOrder = 0;
  let writing = true;
  const started = performance.now();
  const read = async () => {
    for (;;) {
      // Whether writers were still at work before this page was read: a page read under a snapshot
      // taken before the last commits can end the log without them, so only one that started after
      // the writers were done may end the read.
      const writersDone = !writing;
      const page = await store.readPage(5000);
      for (const id of page.eventIds) {
        if (received.has(id)) duplicates++;
        received.add(id);
      }
      if (page.ordered === false) outOfOrder++;
      if (page.isEnd) {
        if (writersDone) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const reader = o.live ? read() : null;
  try {
    await Promise.all(
      plans.map(async (calls) => {
        for (const call of calls) await latency.time(() => store.append(call.stream, call.events));
      }),
    );
  } finally {
    writing = false;
  }
  const appendMs = performance.now() - started;
  await (reader ?? read());
  await store.close();
  let gaps = 0;
  for (const id of appended) if (!received.has(id)) gaps++;
  return {
    bench: 'append',
    store: store.name,
    events: appended.size,
    writers: o.writers,
    batch: o.batch,
    reader: o.live ? 'live' : 'after',
    seconds: round(appendMs / 1000),
    events_per_s: perSecond(appended.size, appendMs),
    p50_ms: latency.percentile(50),
    p99_ms: latency.percentile(99),
    gaps,
    duplicates,
    out_of_order_pages: outOfOrder,
  };
}
