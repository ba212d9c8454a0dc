import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LIMITS } from '@relance/domain';
import { ApiKeysRepository } from '../../apps/engine/src/auth/api-keys.repository.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from '../integration/projector/support/projector-env.js';
import { projectStrictly } from '../integration/projector/support/strict-projection.js';
import { call, demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

// Whatever the engine accepts, the projector can apply. Generated customers, purchases, refunds and
// visits — any Unicode, control characters, NUL and unpaired surrogates, amounts and dates at, inside
// and just outside the documented limits — go through the HTTP API of a real engine on PostgreSQL:
// every answer is 2xx or 4xx, a 4xx appends nothing; then the real projection runner applies every
// accepted event without a failed batch, and the read models equal the sums of the log.

const SEED = Number(process.env.BOUNDARY_PROPERTY_SEED ?? 16_2026);
const RUNS = 30;
const CUSTOMERS = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
const DAY = 86_400_000;

const merchantId = freshMerchantId('e2e-prop');
let env: ProjectorEnv;
let engine: TestEngine;
let pos: string;
const now = Date.now();

/** Mostly values the engine accepts, sometimes one at or beyond the edge. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<U>) => fc.oneof({ weight: 19, arbitrary: valid }, { weight: 1, arbitrary: edge });

/** Text as callers might send it: any Unicode, and now and then a character PostgreSQL refuses, or a length out of bounds. */
const anyText = (minLength: number, maxLength: number) =>
  mostly(
    fc.string({
      unit: fc.oneof({ weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: fc.constantFrom('\u0007', '\u001f', '\u007f', '\u0085', '\u2028', '\ufffe', '\uffff', '\u{1F377}', '"', '\\', '{', ',', '\t') }),
      minLength: Math.max(1, minLength),
      maxLength: Math.min(maxLength, 40),
    }).filter((t) => t.trim().length >= minLength),
    fc.oneof(
      fc.tuple(fc.string({ maxLength: 5 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83c'), fc.string({ maxLength: 5 })).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
      fc.constantFrom('', ' ', 'x'.repeat(maxLength + 1), `${'y'.repeat(maxLength - 1)}\u{1F377}`),
    ),
  );

/** Instants inside the business range, and at its edges or just outside. */
const instant = mostly(
  fc.integer({ min: now - 3 * 365 * DAY, max: now }).map((ms) => new Date(ms).toISOString()),
  fc.constantFrom(
    LIMITS.earliestBusinessInstant,
    new Date(Date.parse(LIMITS.earliestBusinessInstant) - 1).toISOString(),
    '0050-03-14T10:00:00Z',
    '0099-12-31T23:59:59+01:00',
    '1969-12-31T23:00:00-01:00',
    new Date(now + LIMITS.futureToleranceMs - 60_000).toISOString(),
    new Date(now + LIMITS.futureToleranceMs + 60_000).toISOString(),
    '9999-12-31T23:59:59Z',
    'yesterday',
  ),
);

const quantity = mostly(fc.integer({ min: 1, max: 12 }), fc.constantFrom(LIMITS.quantityPerLine, LIMITS.quantityPerLine + 1, 0, -1, 1.5));
const cents = mostly(
  fc.integer({ min: 0, max: 200_000 }),
  fc.constantFrom(LIMITS.amountCents, LIMITS.amountCents + 1, Math.floor(LIMITS.amountCents / 2) + 1, 99_999_999, -1, Number.MAX_SAFE_INTEGER, 2 ** 31),
);
const line = fc.record(
  { sku: anyText(1, 64), name: anyText(1, 200), category: fc.option(anyText(1, 64), { nil: undefined }), quantity, unitPriceCents: cents, discountCents: fc.option(mostly(fc.constant(0), cents), { nil: undefined }), promo: fc.boolean() },
  { requiredKeys: ['sku', 'name', 'quantity', 'unitPriceCents'] },
);
const customerId = fc.constantFrom(...CUSTOMERS);

const request = fc.oneof(
  fc.record({
    kind: fc.constant('enrol' as const),
    customerId,
    externalId: fc.option(anyText(1, 128), { nil: undefined }),
    firstName: fc.option(anyText(1, 100), { nil: undefined }),
    lastName: fc.option(anyText(1, 100), { nil: undefined }),
    city: fc.option(anyText(1, 100), { nil: undefined }),
    birthDate: fc.option(mostly(fc.constantFrom('1985-03-14', '1900-01-01', '2001-12-31'), fc.constantFrom('1899-12-31', '0085-03-14', new Date(now + 3 * DAY).toISOString().slice(0, 10))), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('purchase' as const),
    customerId: fc.option(customerId, { nil: null }),
    externalRef: fc.option(anyText(1, 128), { nil: undefined }),
    lines: fc.array(line, { minLength: 1, maxLength: 3 }),
    purchasedAt: instant,
  }),
  fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), partial: fc.boolean(), reason: fc.option(anyText(0, 200), { nil: undefined }), refundedAt: fc.option(instant, { nil: undefined }) }),
  fc.record({ kind: fc.constant('visit' as const), customerId, visitKind: fc.constantFrom('store', 'tasting', 'web'), eventName: fc.option(anyText(1, 200), { nil: undefined }), visitedAt: fc.option(instant, { nil: undefined }) }),
);

type Request = typeof request extends fc.Arbitrary<infer R> ? R : never;

/** Purchases the engine accepted (refunds pick among them), and every answer. */
const accepted: { purchaseId: string; lines: number }[] = [];
const statuses = new Map<number, number>();

async function send(r: Request): Promise<{ status: number; body: unknown; what: string }> {
  const post = (url: string, body: unknown) => call(engine.baseUrl, 'POST', url, { key: pos, body });
  switch (r.kind) {
    case 'enrol': {
      const profile = { firstName: r.firstName, lastName: r.lastName, birthDate: r.birthDate, ...(r.city === undefined ? {} : { postalAddress: { line1: '1 quai', postalCode: '69001', city: r.city } }) };
      const res = await post('/v1/customers', { customerId: r.customerId, externalId: r.externalId, profile });
      return { ...res, what: 'enrol' };
    }
    case 'purchase': {
      const res = await post('/v1/purchases', { customerId: r.customerId, storeId: 'halles', currency: 'EUR', externalRef: r.externalRef, lines: r.lines, purchasedAt: r.purchasedAt });
      if (res.status === 201) accepted.push({ purchaseId: (res.body as { purchaseId: string }).purchaseId, lines: r.lines.length });
      return { ...res, what: 'purchase' };
    }
    case 'refund': {
      const target = accepted[r.pick % Math.max(1, accepted.length)] ?? { purchaseId: 'nothing-yet', lines: 1 };
      const body = { storeId: 'halles', reason: r.reason, refundedAt: r.refundedAt, ...(r.partial ? { lines: [{ lineNo: 1, quantity: 1 }] } : {}) };
      const res = await post(`/v1/purchases/${target.purchaseId}/refunds`, body);
      return { ...res, what: 'refund' };
    }
    case 'visit': {
      const res = await post(`/v1/customers/${r.customerId}/visits`, { kind: r.visitKind, eventName: r.eventName, visitedAt: r.visitedAt });
      return { ...res, what: 'visit' };
    }
  }
}

const eventCount = async () => Number((await env.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM events WHERE metadata->>'merchantId' = $1`, [merchantId])).rows[0]!.n);

beforeAll(async () => {
  env = await projectorEnv('prop');
  // The engine writes to this schema's log, sealing with the key store the projector opens profiles with.
  engine = await TestEngine.start([await demoMerchant(merchantId)], { env: { DATABASE_URL: env.url, PII_MASTER_KEY: env.masterKey.toString('base64') } });
  pos = (await new ApiKeysRepository(env.pool).create(merchantId, 'pos', 'property')).token;
});

afterAll(async () => {
  await engine.close();
  await env.close();
});

describe(`generated requests through the HTTP API (seed ${SEED})`, () => {
  it('answer 2xx or 4xx, never 5xx, and a 4xx appends nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 10, maxLength: 25 }), async (requests) => {
        for (const r of requests) {
          const before = await eventCount();
          const res = await send(r);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500 || res.status < 200) throw new Error(`${res.what} answered ${res.status}: ${JSON.stringify(res.body)} (seed ${SEED}) for ${JSON.stringify(r)}`);
          if (res.status >= 400) expect({ what: res.what, status: res.status, appended: (await eventCount()) - before }).toEqual({ what: res.what, status: res.status, appended: 0 });
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The generators reach both sides of the boundary.
    process.stdout.write(`answers by status: ${JSON.stringify(Object.fromEntries(statuses))}; purchases accepted: ${accepted.length}\n`);
    expect([...statuses.keys()].filter((s) => s < 300).length).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(10);
    expect(accepted.length).toBeGreaterThan(40);
  }, 120_000);

  it('are applied by the projector without a failed batch, and the read models equal the sums of the log', async () => {
    await projectStrictly(env);
    const { rows: events } = await env.pool.query<{ event_type: string; data: Record<string, unknown> }>(
      `SELECT event_type, data FROM events WHERE metadata->>'merchantId' = $1 ORDER BY global_position`,
      [merchantId],
    );
    const ofType = (type: string) => events.filter((e) => e.event_type === type).map((e) => e.data);
    const sum = (values: unknown[]) => values.reduce<number>((total, v) => total + Number(v), 0);

    // Points: each customer's balance is what the log earned, spent, lost and corrected.
    const balances = new Map<string, number>();
    const move = (customer: unknown, points: number) => balances.set(String(customer), (balances.get(String(customer)) ?? 0) + points);
    for (const e of ofType('PointsEarned')) move(e.customerId, Number(e.points));
    for (const e of ofType('PointsRedeemed')) move(e.customerId, -Number(e.points));
    for (const e of ofType('PointsExpired')) move(e.customerId, -Number(e.points));
    for (const e of ofType('PointsAdjusted')) move(e.customerId, Number(e.points));
    const stored = await rowsOf(env.pool, 'points_balances', merchantId);
    expect(Object.fromEntries(stored.map((b) => [b.customer_id, b.balance]))).toEqual(Object.fromEntries(balances));
    const customers = await rowsOf(env.pool, 'customers', merchantId);
    expect(customers.map((c) => c.customer_id).sort()).toEqual(ofType('CustomerEnrolled').map((e) => e.customerId).sort());
    for (const c of customers) expect({ customer: c.customer_id, balance: c.points_balance }).toEqual({ customer: c.customer_id, balance: balances.get(String(c.customer_id)) ?? 0 });

    // Sales: every purchase with its total, lines as sent, and what was refunded of it.
    const recorded = ofType('PurchaseRecorded');
    const purchases = await rowsOf(env.pool, 'purchases', merchantId);
    expect(purchases).toHaveLength(recorded.length);
    expect(sum(purchases.map((p) => p.total_cents))).toBe(sum(recorded.map((p) => p.totalCents)));
    const refundsOf = new Map<string, number>();
    for (const r of ofType('PurchaseRefunded')) refundsOf.set(String(r.purchaseId), (refundsOf.get(String(r.purchaseId)) ?? 0) + Number(r.amountCents));
    for (const p of purchases) expect({ purchase: p.purchase_id, refunded: p.refunded_cents }).toEqual({ purchase: p.purchase_id, refunded: refundsOf.get(String(p.purchase_id)) ?? 0 });
    const lines = await rowsOf(env.pool, 'purchase_lines', merchantId);
    const sentLines = recorded.flatMap((p) => (p.lines as { name: string; sku: string }[]).map((l) => ({ purchase: p.purchaseId, name: l.name, sku: l.sku })));
    expect(lines.map((l) => ({ purchase: l.purchase_id, name: l.name, sku: l.sku })).sort(byJson)).toEqual(sentLines.sort(byJson));
    expect((await rowsOf(env.pool, 'visits', merchantId)).length).toBe(ofType('VisitRecorded').length);

    // Daily figures add up to the same totals.
    const kpis = await rowsOf(env.pool, 'daily_kpis', merchantId);
    const total = (measure: string) => sum(kpis.map((k) => k[measure]));
    expect(total('revenue_identified_cents') + total('revenue_anonymous_cents')).toBe(sum(recorded.map((p) => p.totalCents)));
    expect(total('purchases_identified') + total('purchases_anonymous')).toBe(recorded.length);
    expect(total('refunded_cents')).toBe(sum(ofType('PurchaseRefunded').map((r) => r.amountCents)));
    expect(total('points_earned')).toBe(sum(ofType('PointsEarned').map((e) => e.points)));
    expect(total('visits')).toBe(ofType('VisitRecorded').length);
    expect(total('new_customers')).toBe(ofType('CustomerEnrolled').length);
  }, 60_000);
});

function byJson(a: unknown, b: unknown): number {
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : 1;
}
