import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { customerFolder, customerSummary, decideCustomerOutcome, streams, type ActiveCustomerSummary, type ActiveProgram, type CustomerState } from '@relance/domain';
import type { EventMetadata } from '@relance/event-store';
import { loadConfig, loadMerchantConfig } from '@relance/platform';
import { Registry } from 'prom-client';
import { StreamCommandRunner } from '../../../apps/engine/src/write-path/stream-command-runner.js';
import { projectorEnv, snapshot, type ProjectorEnv } from '../projector/support/projector-env.js';

// Must show: CustomersMerged events stored before CustomersMergedV2 existed (literal JSON, written by
// the code of that time) replay to the same balances, tier, lots and rewards through the engine's
// fold, take a new decision as that code did, and project to the same read-model rows.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/stored-events/customers-merged-v1.json'), 'utf8')) as {
  merchantId: string;
  asOf: string;
  expected: Record<string, { status: string; balance: number; summary: Record<string, unknown> | null }>;
  afterRefund: { events: unknown[]; balance: number };
  readModels: Record<string, unknown[]>;
  events: { streamId: string; type: string; data: unknown; metadata: EventMetadata }[];
};
const M = fixture.merchantId;

let env: ProjectorEnv;
let program: ActiveProgram;
let runner: StreamCommandRunner;

/** The fixture's events, appended as they were stored: same types, data and metadata, stream by stream. */
async function appendStored(into: ProjectorEnv): Promise<void> {
  const { events } = fixture;
  for (let i = 0; i < events.length; ) {
    const group: typeof events = [];
    const { streamId } = events[i]!;
    while (i < events.length && events[i]!.streamId === streamId) group.push(events[i++]!);
    await into.store.append(streamId, group.map(({ type, data, metadata }) => ({ type, data, metadata })), 'any');
  }
}

beforeAll(async () => {
  env = await projectorEnv('v1merge');
  program = (await loadMerchantConfig(path.join(ROOT, 'config'), 'cave-demo')).program;
  expect(fixture.events.filter((e) => e.type === 'CustomersMerged')).toHaveLength(2);
  await appendStored(env);
  const clock = { now: () => new Date(fixture.asOf) };
  runner = new StreamCommandRunner(env.store, clock, loadConfig({}), new Registry());
}, 60_000);

afterAll(async () => env.close());

const context = (now: string) => ({ now, timeZone: 'Europe/Paris', currency: 'EUR', program });

/**
 * The rows of that time as the customers table holds them since personal data is sealed in read models
 * (migration 0040): the clear profile columns gave way to the event's sealed profile and the two facts
 * derived from the birth date; purchases, refunds, tiers, messages and daily figures gained their currency. Every other column and
 * table is compared as it was written.
 */
function withSealedCustomers(readModels: Record<string, unknown[]>): Record<string, unknown[]> {
  const cleared = ['first_name', 'last_name', 'company_name', 'email', 'phone', 'postal_address', 'birth_date', 'profile_readable'];
  const sealedProfile = (customerId: string) =>
    (fixture.events.find((e) => e.type === 'CustomerEnrolled' && (e.data as { customerId: string }).customerId === customerId)!.data as { profile: string })
      .profile;
  const customers = (readModels.customers as Record<string, unknown>[]).map((row) => {
    const kept = Object.fromEntries(Object.entries(row).filter(([column]) => !cleared.includes(column)));
    // postal_reachable (migration 0073) is read from the opened profile; these fixed profiles open to no address.
    return { ...kept, profile: sealedProfile(row.customer_id as string), birthday: null, adult_since: null, postal_reachable: false };
  });
  // Purchases, refunds, tiers, messages and daily figures say their currency since migration 0077: EUR, the only one of that time.
  const inEuros = (rows: unknown[] | undefined) => (rows as Record<string, unknown>[]).map((row) => ({ ...row, currency: 'EUR' }));
  const withCurrency = Object.fromEntries(['purchases', 'refunds', 'customer_tiers', 'tier_history', 'messages'].map((table) => [table, inEuros(readModels[table])]));
  // A day's figures say it where the day has amounts (sales, refunds, message costs).
  const withAmounts = (day: Record<string, unknown>) =>
    ['purchases_identified', 'purchases_anonymous', 'refunds', 'messages_sent'].some((measure) => Number(day[measure]) !== 0);
  const kpis = (readModels.daily_kpis as Record<string, unknown>[]).map((day) => ({ ...day, currency: withAmounts(day) ? 'EUR' : null }));
  return { ...readModels, customers, ...withCurrency, daily_kpis: kpis };
}

describe('a merge stored as CustomersMerged version 1', () => {
  it('folds, through the engine, to the balance, debt, lots, tier, spend and rewards the code that stored it read', async () => {
    const folder = customerFolder(program.definition);
    const survivor = (await runner.read(streams.customer(M, 'surv'), folder)).state;
    const { balance, debtPoints, lots, tier, rollingSpend, rewards } = customerSummary(survivor, context(fixture.asOf)) as ActiveCustomerSummary;
    expect({
      balance,
      debtPoints,
      lots,
      tier: tier && { id: tier.id, since: tier.since, guaranteedUntil: tier.guaranteedUntil },
      rollingSpend,
      rewards: rewards.map(({ rewardId, rewardCode, status, expiresAt }) => ({ rewardId, rewardCode, status, expiresAt })),
    }).toEqual(fixture.expected.surv!.summary);
    expect(balance).toBe(170);
    const duplicate: CustomerState = (await runner.read(streams.customer(M, 'dup'), folder)).state;
    expect(duplicate).toEqual({ status: 'merged', customerId: 'dup', survivorId: 'surv' });
  });

  it('lets the survivor refund a purchase it took over, deciding what that code decided', async () => {
    const refundAt = '2025-07-10T10:00:00.000Z';
    const outcome = await runner.run({
      streamId: streams.customer(M, 'surv'),
      folder: customerFolder(program.definition),
      decide: (state) =>
        decideCustomerOutcome({ type: 'RefundPurchase', data: { purchaseId: 'D-2', refundId: 'RF-2', refundedAt: refundAt, storeId: 'halles', reason: null } }, state, context(refundAt)),
      envelope: { merchantId: M, actor: 'system:test', correlationId: 'c', causationId: 'c', seed: '01960000-0000-7000-8000-00000000ffff', resumed: false },
      step: 'refund',
      occurredAt: refundAt,
    });
    // The same decision, whose refund now says its currency: EUR, as the stored events read.
    const sayingCurrency = (fixture.afterRefund.events as { type: string; data: object }[]).map((e) =>
      e.type === 'PurchaseRefunded' ? { ...e, data: { ...e.data, currency: 'EUR' } } : e,
    );
    expect(outcome.events).toEqual(sayingCurrency);
    expect((customerSummary(outcome.state, context(refundAt)) as ActiveCustomerSummary).balance).toBe(fixture.afterRefund.balance);
  });

  it('projects to the very rows the projections of that time wrote', async () => {
    // Only the stored events: the refund decided above was appended after them, so project a log without it.
    const before = await projectorEnv('v1merge_rows');
    try {
      await appendStored(before);
      await before.project();
      // Days in date order: the snapshot orders rows by their JSON, which the currency column reorders.
      const byDate = (rows: Record<string, unknown>[] | unknown[]) => [...(rows as Record<string, unknown>[])].sort((a, b) => String(a.local_date).localeCompare(String(b.local_date)));
      const actual = await snapshot(before.pool, M);
      const expected = withSealedCustomers(fixture.readModels);
      expect({ ...actual, daily_kpis: byDate(actual.daily_kpis!) }).toEqual({ ...expected, daily_kpis: byDate(expected.daily_kpis!) });
      const [balance] = (fixture.readModels.points_balances as { customer_id: string; balance: number }[]).filter((b) => b.customer_id === 'surv');
      expect(balance?.balance).toBe(170);
    } finally {
      await before.close();
    }
  }, 60_000);
});
