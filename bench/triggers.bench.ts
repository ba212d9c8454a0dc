import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDaysToLocalDate, instantAtLocalTime, localDateOf } from '@relance/domain';
import { formatPosition, PostgresEventStore, type RecordedEvent } from '@relance/event-store';
import { createPool, systemClock } from '@relance/platform';
import { v7 as uuidv7 } from 'uuid';
import { Registry } from 'prom-client';
import { StreamCommandRunner } from '../apps/engine/src/write-path/stream-command-runner.js';
import { BonusGrants } from '../apps/engine/src/rules/bonus-grants.js';
import { voucherKeyFrom } from '../apps/engine/src/rules/evaluation.js';
import { RuleBook } from '../apps/engine/src/rules/rule-book.js';
import { RulesEngine } from '../apps/engine/src/rules/rules-engine.js';
import { runTimeRule } from '../apps/engine/src/rules/time-rules.js';
import { INACTIVE_CUSTOMERS } from '../apps/engine/src/rules/time-rules.sql.js';
import { BENCH_DATABASE_URL, freshBenchDatabase, settleBenchDatabase } from './support/bench-database.js';
import { benchOptions, positiveInt } from './support/options.js';
import { LatencyRecorder, round } from './support/stats.js';

export const usage = 'relance bench triggers [--customers 1000000] [--purchases 10000] [--rate 500]';

const MERCHANT = 'bench-cave';
const ZONE = 'Europe/Paris';
const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../config');

/**
 * The demo caviste's campaigns over a seeded merchant (set-based, untimed: customers, email
 * consents, one to five purchases each over two years), then:
 * - rule_seconds: the reactivation rule (120 days without a purchase, B2C, at least two purchases)
 *   run for today: its one query, every decision taken and appended with its bookkeeping;
 * - count_seconds: the plain SQL that counts the same audience on the same tables, in the same run;
 * - p50_ms / p99_ms: purchases of 200 € appended at `rate` per second, each timed from its append
 *   to the commit of its decision (big-basket campaign) by the rules subscription.
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    customers: { default: '1000000', help: 'customers of the merchant' },
    purchases: { default: '10000', help: 'purchases appended for the latency figures' },
    rate: { default: '500', help: 'purchases per second' },
  });
  const customers = positiveInt(o.customers, 'customers');
  const purchases = positiveInt(o.purchases, 'purchases');
  const rate = positiveInt(o.rate, 'rate');
  const url = await freshBenchDatabase(BENCH_DATABASE_URL);
  const pool = createPool(url, { max: 8, applicationName: 'relance-bench' });
  const store = new PostgresEventStore(pool, { connectionString: url, polling: { idlePollMs: 50 } });
  const now = new Date().toISOString();
  const today = localDateOf(now, ZONE);
  try {
    const seeded = performance.now();
    await seed(pool, customers, today);
    await settleBenchDatabase(url);
    console.error(`seeded ${customers} customers in ${round((performance.now() - seeded) / 1000)} s`);

    const book = await RuleBook.from(CONFIG_DIR, [{ id: MERCHANT, folder: 'cave-demo' }]);
    const rules = book.forMerchant(MERCHANT)!;
    const voucherKey = voucherKeyFrom(Buffer.alloc(32, 3));

    const lastOn = addDaysToLocalDate(today, -120);
    const countStarted = performance.now();
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM (${INACTIVE_CUSTOMERS}) x
         JOIN customers c ON c.merchant_id = $1 AND c.customer_id = x.customer_id AND c.customer_type = 'b2c'
        WHERE (SELECT count(*) FROM purchases p WHERE p.merchant_id = $1 AND p.customer_id = x.customer_id AND p.total_cents > p.refunded_cents) >= 2`,
      [MERCHANT, lastOn, lastOn],
    );
    const countSeconds = (performance.now() - countStarted) / 1000;
    const audience = Number(rows[0]!.n);

    const ruleStarted = performance.now();
    const result = await runTimeRule(pool, rules, 'reactivation', { days: [today], now: instantAtLocalTime(today, '10:30', ZONE), voucherKey });
    const ruleSeconds = (performance.now() - ruleStarted) / 1000;
    console.error(`reactivation: ${JSON.stringify(result)}; audience counted ${audience}`);
    if (result.triggered + (result.decided - result.triggered) < audience) throw new Error(`the rule decided ${result.decided} customers, the count says ${audience}`);

    const latency = await purchaseLatency(pool, store, book, voucherKey, customers, purchases, rate);
    return {
      bench: 'triggers',
      customers,
      audience,
      decided: result.decided,
      triggered: result.triggered,
      rule_seconds: round(ruleSeconds),
      count_seconds: round(countSeconds),
      ratio: round(ruleSeconds / countSeconds),
      purchases,
      rate,
      decided_purchases: latency.count,
      p50_ms: latency.percentile(50),
      p99_ms: latency.percentile(99),
    };
  } finally {
    await store.close();
    await pool.end();
  }
}

async function purchaseLatency(
  pool: import('pg').Pool,
  store: PostgresEventStore,
  book: RuleBook,
  voucherKey: Buffer,
  customers: number,
  purchases: number,
  rate: number,
): Promise<LatencyRecorder> {
  const appendedAt = new Map<string, number>();
  const batches: number[] = [];
  const latencies = new LatencyRecorder();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const config = { streamCacheBytes: 64 * 1024 * 1024 } as import('@relance/platform').AppConfig;
  const engine = new RulesEngine({
    pool,
    store,
    book,
    clock: systemClock,
    voucherKey,
    bonus: new BonusGrants(new StreamCommandRunner(store, systemClock, config, new Registry()), book, systemClock),
    // The read models are seeded, not projected: no projector runs in this bench.
    readModels: [],
    onError: (error) => console.error(`rules subscription: ${(error as Error).message}`),
    onCommitted: (events: readonly RecordedEvent[]) => {
      const at = performance.now();
      batches.push(events.length);
      for (const e of events) {
        const started = appendedAt.get(e.metadata.eventId);
        if (started === undefined) continue;
        latencies.record(at - started);
        appendedAt.delete(e.metadata.eventId);
      }
      if (latencies.count >= purchases) done();
    },
  });
  // Start from the head: the latency run reads only its own purchases.
  await pool.query(
    `INSERT INTO engine_checkpoints (name, position) VALUES ($1, $2)`,
    [await checkpointName(engine), formatPosition(await store.headPosition())],
  );
  engine.start();
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < purchases; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const customerNo = 1 + ((i * 7919) % customers);
    const event = bigPurchase(customerNo, i);
    // Timed from the moment the append is sent: the append's own time counts in the latency.
    appendedAt.set(event.metadata.eventId, performance.now());
    inFlight.push(store.append(`customer-${MERCHANT}.c${customerNo}`, [event], 'any'));
  }
  await Promise.all(inFlight);
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  await engine.stop();
  console.error(`${batches.length} batches, ${round(batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length), 1)} events each on average`);
  if (latencies.count < purchases) console.error(`only ${latencies.count} of ${purchases} purchases decided within a minute of the last append`);
  return latencies;
}

async function checkpointName(engine: RulesEngine): Promise<string> {
  return (engine.subscription as unknown as { options: { name: string } }).options.name;
}

function bigPurchase(customerNo: number, n: number) {
  const eventId = uuidv7();
  const iso = new Date().toISOString();
  return {
    type: 'PurchaseRecorded',
    data: {
      purchaseId: `big-${n}`,
      customerId: `c${customerNo}`,
      storeId: 'halles',
      externalRef: null,
      channel: 'pos',
      currency: 'EUR',
      lines: [{ lineNo: 1, sku: 'CHAMP-1', name: 'Champagne', category: 'champagne', quantity: 4, unitPriceCents: 5000, discountCents: 0, promo: false, totalCents: 20000 }],
      totalCents: 20000,
      rewardIdsUsed: [],
      purchasedAt: iso,
    },
    metadata: { eventId, merchantId: MERCHANT, correlationId: eventId, causationId: eventId, actor: 'system:bench', occurredAt: iso, recordedAt: iso },
  };
}

/** Customers with an email and its consent, one to five purchases each over the two years up to yesterday. */
async function seed(pool: import('pg').Pool, customers: number, today: string): Promise<void> {
  await pool.query(
    `INSERT INTO customers (merchant_id, customer_id, status, customer_type, locale, email_key, consent_email, birthday, adult_since, enrolled_at, updated_at, revision)
     SELECT $1, 'c' || g, 'active', CASE WHEN g % 10 = 0 THEN 'b2b' ELSE 'b2c' END, 'fr-FR', 'ek' || g, true,
            to_char(date '2001-01-01' + (g % 365), 'MM-DD'), date '2024-01-01',
            '2024-01-01T10:00:00Z', '2024-01-01T10:00:00Z', 0
       FROM generate_series(1, $2) AS g`,
    [MERCHANT, customers],
  );
  await pool.query(`UPDATE customers SET business_category = 'restaurant' WHERE merchant_id = $1 AND customer_type = 'b2b'`, [MERCHANT]);
  await pool.query(
    `INSERT INTO consents (merchant_id, customer_id, channel, purpose, granted, source, changed_at, event_id, revision)
     SELECT $1, 'c' || g, 'email', 'marketing', true, 'pos', '2024-01-01T10:00:00Z', gen_random_uuid(), 0 FROM generate_series(1, $2) AS g`,
    [MERCHANT, customers],
  );
  await pool.query(
    `INSERT INTO purchases (merchant_id, purchase_id, customer_id, store_id, channel, currency, total_cents, line_count, item_count, promo_cents,
                            rewards_used, purchased_at, local_date, event_id)
     SELECT $1, 'p' || g || '-' || k, 'c' || g, 'halles', 'pos', 'EUR', 500 + (random() * 30000)::int, 1, 1, 0, 0, d::timestamptz + interval '10 hours', d, gen_random_uuid()
       FROM generate_series(1, $2) AS g
      CROSS JOIN LATERAL generate_series(1, 1 + (g::bigint * 7919) % 5) AS k
      CROSS JOIN LATERAL (SELECT $3::date - 1 - (random() * 720)::int + (k - k)::int AS d) AS x`,
    [MERCHANT, customers, today],
  );
  await pool.query(
    `INSERT INTO purchase_lines (merchant_id, purchase_id, line_no, sku, name, category, quantity, unit_price_cents, discount_cents, total_cents, promo)
     SELECT merchant_id, purchase_id, 1, 'SKU', 'Vin', 'rouge', 1, total_cents, 0, total_cents, false FROM purchases WHERE merchant_id = $1`,
    [MERCHANT],
  );
}
