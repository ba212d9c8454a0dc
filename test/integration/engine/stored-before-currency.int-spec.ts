import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEvent, upcast, type DomainEvent } from '@relance/domain';
import type { EventMetadata } from '@relance/event-store';
import { kpisProjection } from '../../../apps/projector/src/projections/kpis.projection.js';
import { messagingProjection } from '../../../apps/projector/src/projections/messaging.projection.js';
import { salesProjection } from '../../../apps/projector/src/projections/sales.projection.js';
import { tiersProjection } from '../../../apps/projector/src/projections/tiers.projection.js';
import { projectorEnv, type ProjectorEnv } from '../projector/support/projector-env.js';

// Events of every type that carries an amount, as the catalog accepted them before amount events said
// their currency (literal JSON, each checked by that catalog): they read today as EUR, the only
// currency a merchant could have then, through the event store and the projections alike.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/stored-events/amounts-before-currency.json'), 'utf8')) as {
  merchantId: string;
  events: { streamId: string; type: string; data: Record<string, unknown>; metadata: EventMetadata }[];
};
const M = fixture.merchantId;

const AMOUNT_TYPES = [
  'PurchaseRefunded',
  'TierChanged',
  'RewardIssued',
  'ChallengeCompleted',
  'VoucherIssued',
  'VoucherRedeemed',
  'MessageQueued',
  'MessageSent',
  'CampaignLaunched',
  'SegmentChanged',
  'CustomersMergedV2',
];

describe('amount events stored before they said their currency', () => {
  it('cover every type that carries an amount, none of them with a currency', () => {
    expect([...new Set(fixture.events.map((e) => e.type))].sort()).toEqual([...AMOUNT_TYPES].sort());
    for (const e of fixture.events) expect(Object.hasOwn(e.data, 'currency')).toBe(false);
  });

  it('are not events of today as stored, and are once read: each with currency EUR and nothing else changed', () => {
    for (const e of fixture.events) {
      expect(() => parseEvent(e.type, e.data)).toThrow('currency');
      const read = upcast({ type: e.type, data: e.data } as DomainEvent);
      expect(read).toEqual({ type: e.type, data: { ...e.data, currency: 'EUR' } });
      expect(parseEvent(read.type, read.data).data).toEqual(read.data);
    }
  });

  it('keep the currency an event carries: a yen refund stays in yen', () => {
    const stored = fixture.events.find((e) => e.type === 'PurchaseRefunded')!;
    const inYen = { type: 'PurchaseRefunded', data: { ...stored.data, currency: 'JPY' } } as DomainEvent;
    expect(upcast(inYen)).toBe(inYen);
  });
});

describe('stored in the event store', () => {
  let env: ProjectorEnv;

  beforeAll(async () => {
    env = await projectorEnv('nocurrency');
    for (const { streamId, type, data, metadata } of fixture.events) await env.store.append(streamId, [{ type, data, metadata }], 'any');
  }, 60_000);

  afterAll(async () => env?.close());

  it('read back through the upcasters with currency EUR, stream by stream', async () => {
    const streamIds = [...new Set(fixture.events.map((e) => e.streamId))];
    const read: { data: unknown }[] = [];
    for (const streamId of streamIds) read.push(...(await env.store.readStream(streamId)).events.map((e) => upcast(e)));
    expect(read).toHaveLength(fixture.events.length);
    expect(read.map((e) => (e.data as { currency?: string }).currency)).toEqual(fixture.events.map(() => 'EUR'));
  });

  it('project their amounts with their currency, EUR: the refunds, the tier\'s rolling spend, the message\'s cost, the daily figures', async () => {
    await env.project([salesProjection, tiersProjection, messagingProjection, kpisProjection]);
    const { rows } = await env.pool.query<{ refund_id: string; currency: string; amount_cents: string }>(
      'SELECT refund_id, currency, amount_cents::text FROM refunds WHERE merchant_id = $1 ORDER BY refund_id',
      [M],
    );
    expect(rows).toEqual([
      { refund_id: 'R-1', currency: 'EUR', amount_cents: '1250' },
      { refund_id: 'R-2', currency: 'EUR', amount_cents: '900' },
    ]);
    const tiers = await env.pool.query('SELECT customer_id, currency, rolling_spend_cents::text AS spend FROM customer_tiers WHERE merchant_id = $1', [M]);
    expect(tiers.rows).toEqual([{ customer_id: 'alice', currency: 'EUR', spend: '30000' }]);
    const messages = await env.pool.query('SELECT message_id, currency, estimated_cost_cents::text AS estimate, cost_cents::text AS cost FROM messages WHERE merchant_id = $1', [M]);
    expect(messages.rows).toEqual([{ message_id: 'm-1', currency: 'EUR', estimate: '7', cost: '14' }]);
    // The days of the two refunds and of the message's cost say EUR; the others (no amount counted there) none.
    const days = await env.pool.query('SELECT local_date::text AS day, currency FROM daily_kpis WHERE merchant_id = $1 AND currency IS NOT NULL ORDER BY 1', [M]);
    expect(days.rows).toEqual([
      { day: '2026-03-02', currency: 'EUR' },
      { day: '2026-03-03', currency: 'EUR' },
      { day: '2026-03-20', currency: 'EUR' },
    ]);
  }, 60_000);
});
