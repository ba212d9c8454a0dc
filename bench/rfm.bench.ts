import { PostgresEventStore } from '@relance/event-store';
import { createPool } from '@relance/platform';
import { RfmRun, type RfmRunReport } from '../apps/projector/src/rfm/rfm-run.js';
import { DEFAULT_STEPS } from '../apps/projector/src/rfm/rfm.sql.js';
import { BENCH_DATABASE_URL, freshBenchDatabase } from './support/bench-database.js';
import { benchOptions, positiveInt } from './support/options.js';
import { round } from './support/stats.js';

export const usage = 'relance bench rfm [--customers 1000000] [--slice 5000]';

const MERCHANT = 'bench-cave';
const AS_OF = '2026-06-30';

/**
 * Seeds the customers and purchase facts of one merchant set-based (untimed), then times RFM runs:
 * the first, the merchant's baseline (every customer scored, one RfmBaselineRecorded, no
 * SegmentChanged), and a next day's run after a tenth of the customers bought again (the steady
 * state, one SegmentChanged per change).
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    customers: { default: '1000000', help: 'customers with purchases' },
    slice: { default: '5000', help: 'SegmentChanged events per append' },
  });
  const customers = positiveInt(o.customers, 'customers');
  const slice = positiveInt(o.slice, 'slice');
  const url = await freshBenchDatabase(BENCH_DATABASE_URL);
  const pool = createPool(url, { max: 4, applicationName: 'relance-bench' });
  const store = new PostgresEventStore(pool, { connectionString: url });
  try {
    const seedStarted = performance.now();
    await seed(pool, customers);
    console.error(`seeded ${customers} customers and their purchases in ${round((performance.now() - seedStarted) / 1000)} s`);

    const first = await timed(() => new RfmRun(pool, store, { now: () => new Date(`${AS_OF}T02:00:00.000Z`) }, slice).run(rfm(AS_OF), `daily-${AS_OF}`));
    console.error(`first run: ${JSON.stringify(first)}`);
    await pool.query(
      `INSERT INTO purchases (merchant_id, purchase_id, customer_id, store_id, channel, currency, total_cents, line_count, item_count, promo_cents,
                              rewards_used, purchased_at, local_date, event_id)
       SELECT $1, 'late-' || g, 'c' || g, 'halles', 'pos', 'EUR', 25000, 1, 1, 0, 0, '2026-07-01T10:00:00Z', '2026-07-01', gen_random_uuid()
         FROM generate_series(1, $2, 10) AS g`,
      [MERCHANT, customers],
    );
    const next = await timed(() => new RfmRun(pool, store, { now: () => new Date('2026-07-01T02:00:00.000Z') }, slice).run(rfm('2026-07-01'), 'daily-2026-07-01'));
    console.error(`next day: ${JSON.stringify(next)}`);
    return {
      bench: 'rfm',
      customers,
      seconds: first.seconds,
      baseline_scored: first.scored,
      segment_changes: first.changes,
      next_day_events_per_s: next.changes > 0 ? Math.round(next.changes / next.seconds) : null,
      next_day_seconds: next.seconds,
      next_day_changes: next.changes,
    };
  } finally {
    await store.close();
    await pool.end();
  }
}

function rfm(asOf: string) {
  return { merchantId: MERCHANT, currency: 'EUR', asOf, windowMonths: 12, steps: DEFAULT_STEPS };
}

async function timed(work: () => Promise<RfmRunReport[] | null>): Promise<{ seconds: number; scored: number; changes: number }> {
  const started = performance.now();
  const reports = (await work()) ?? [];
  const last = reports[reports.length - 1]!;
  return { seconds: round((performance.now() - started) / 1000), scored: last.scored, changes: last.changes };
}

/** 1 to 5 purchases per customer over two years, a refund on one purchase in fifty. */
async function seed(pool: import('pg').Pool, customers: number): Promise<void> {
  await pool.query(
    `INSERT INTO customers (merchant_id, customer_id, status, customer_type, locale, enrolled_at, updated_at, revision)
     SELECT $1, 'c' || g, 'active', 'b2c', 'fr-FR', '2024-01-01T10:00:00Z', '2024-01-01T10:00:00Z', 0 FROM generate_series(1, $2) AS g`,
    [MERCHANT, customers],
  );
  await pool.query(
    `INSERT INTO purchases (merchant_id, purchase_id, customer_id, store_id, channel, currency, total_cents, line_count, item_count, promo_cents,
                            rewards_used, purchased_at, local_date, event_id)
     SELECT $1, 'p' || g || '-' || k, 'c' || g, 'halles', 'pos', 'EUR', 500 + (random() * 30000)::int, 1, 1, 0, 0, d::timestamptz + interval '10 hours', d, gen_random_uuid()
       FROM generate_series(1, $2) AS g
      CROSS JOIN LATERAL generate_series(1, 1 + (g::bigint * 7919) % 5) AS k
      CROSS JOIN LATERAL (SELECT date '2026-06-29' - (random() * 720)::int + (k - k)::int AS d) AS x`,
    [MERCHANT, customers],
  );
  await pool.query(
    `INSERT INTO refunds (merchant_id, refund_id, purchase_id, customer_id, store_id, currency, amount_cents, lines, reason, refunded_at, local_date, event_id)
     SELECT merchant_id, 'r' || purchase_id, purchase_id, customer_id, store_id, currency, total_cents / 2, '[]', NULL, purchased_at + interval '1 day',
            local_date + 1, gen_random_uuid()
       FROM purchases WHERE merchant_id = $1 AND hashtext(purchase_id) % 50 = 0`,
    [MERCHANT],
  );
  await pool.query('ANALYZE customers, purchases, refunds');
}
