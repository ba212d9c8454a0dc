import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  customerFolder,
  customerStateBytes,
  decideCustomerOutcome,
  streams,
  type ActiveProgram,
  type CustomerCommand,
  type CustomerState,
  type CustomerStreamEvent,
  type Program,
} from '@relance/domain';
import { loadConfig, loadMerchantConfig } from '@relance/platform';
import { Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import type { Folder } from '../../../apps/engine/src/write-path/stream-command-runner.js';
import { StreamCommandRunner } from '../../../apps/engine/src/write-path/stream-command-runner.js';
import { projectorEnv, type ProjectorEnv } from '../projector/support/projector-env.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const M = 'runner-test';
const NOW = '2026-03-02T10:00:00.000Z';

let env: ProjectorEnv;
let program: ActiveProgram;

beforeAll(async () => {
  env = await projectorEnv('runner');
  program = (await loadMerchantConfig(path.join(ROOT, 'config'), 'cave-demo')).program;
});
afterAll(async () => env.close());

const runnerWith = (budgetBytes = 256 * 1024 * 1024) => {
  const registry = new Registry();
  const runner = new StreamCommandRunner(env.store, { now: () => new Date(NOW) }, loadConfig({ STREAM_CACHE_BYTES: String(budgetBytes) }), registry);
  return { runner, registry };
};
const withWindow = (windowDays: number): Program => ({ ...program.definition, refunds: { windowDays } });

const enrol = (customerId: string): CustomerCommand => ({
  type: 'EnrolCustomer',
  data: {
    customerId, customerType: 'b2c', businessCategory: null, storeId: 'halles', externalId: null, locale: 'fr-FR',
    profile: 'pii:v1:aXY:Y2lwaGVy', identityKeys: { email: null, phone: null }, source: 'pos', consents: [],
  },
});
const buy = (customerId: string, purchaseId: string): CustomerCommand => ({
  type: 'RecordPurchase',
  data: {
    purchaseId, customerId, storeId: 'halles', externalRef: null, channel: 'pos', currency: 'EUR', totalCents: 5000, rewardIdsUsed: [], purchasedAt: NOW,
    lines: [{ lineNo: 1, sku: 'X', name: 'Vin', category: null, quantity: 1, unitPriceCents: 5000, discountCents: 0, promo: false, totalCents: 5000 }],
  },
});

async function run(runner: StreamCommandRunner, customerId: string, command: CustomerCommand, folder: Folder<CustomerState, CustomerStreamEvent>, definition: Program = program.definition) {
  const seed = uuidv7();
  return runner.run({
    streamId: streams.customer(M, customerId),
    folder,
    decide: (state) => decideCustomerOutcome(command, state, { now: NOW, timeZone: 'Europe/Paris', currency: 'EUR', program: { version: 'v', definition } }),
    envelope: { merchantId: M, actor: 'system:test', correlationId: seed, causationId: seed, seed, resumed: false },
    step: 'test',
    occurredAt: NOW,
  });
}

/** The customer folder, counting the events it folds. */
function counting(definition: Program) {
  const folder = customerFolder(definition);
  const counted = { evolved: 0 };
  return {
    counted,
    folder: { ...folder, evolve: (state: CustomerState, event: CustomerStreamEvent) => (counted.evolved++, folder.evolve(state, event)) },
  };
}

describe('the stream command runner', () => {
  it('keeps the state the decision computed, without folding its events a second time', async () => {
    const { runner } = runnerWith();
    const { folder, counted } = counting(program.definition);
    await run(runner, 'ann', enrol('ann'), folder);
    const evolvedBefore = counted.evolved;
    const outcome = await run(runner, 'ann', buy('ann', 'p1'), folder);
    expect(outcome.events.length).toBeGreaterThan(1);
    expect(counted.evolved).toBe(evolvedBefore);
    const loaded = await runner.load(streams.customer(M, 'ann'), folder);
    expect(loaded).toMatchObject({ cached: true });
    expect(loaded.state).toBe(outcome.state);
  });

  it('folds the stream again when its cached state keeps less than the program in force needs, not when it keeps more', async () => {
    const { runner } = runnerWith();
    const short = withWindow(30);
    await run(runner, 'bea', enrol('bea'), customerFolder(short), short);
    await run(runner, 'bea', buy('bea', 'p1'), customerFolder(short), short);
    const longer = await runner.load(streams.customer(M, 'bea'), customerFolder(withWindow(90)));
    expect(longer.cached).toBe(false);
    expect(longer.state.status === 'active' && longer.state.retention).toEqual({ refundDays: 90, spendMonths: 12 });
    const shorter = await runner.load(streams.customer(M, 'bea'), customerFolder(withWindow(10)));
    expect(shorter.cached).toBe(true);
  });

  it('keeps folded states within its byte budget, the least recently used going first', async () => {
    const folder = customerFolder(program.definition);
    const probe = runnerWith().runner;
    await run(probe, 'c0', enrol('c0'), folder);
    // Every customer enrolled alike weighs the same.
    const one = customerStateBytes((await probe.read(streams.customer(M, 'c0'), folder)).state);
    const { runner, registry } = runnerWith(Math.floor(3.5 * one));
    for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) await run(runner, id, enrol(id), folder);
    expect((await runner.load(streams.customer(M, 'c5'), folder)).cached).toBe(true);
    expect((await runner.load(streams.customer(M, 'c1'), folder)).cached).toBe(false);
    const metrics = await registry.getMetricsAsJSON();
    const bytes = metrics.find((m) => m.name === 'relance_engine_stream_cache_bytes')!.values[0]!.value;
    const cached = metrics.find((m) => m.name === 'relance_engine_stream_cache_streams')!.values[0]!.value;
    expect(bytes).toBeLessThanOrEqual(3.5 * one);
    expect(cached).toBeGreaterThanOrEqual(2);
    expect(cached).toBeLessThanOrEqual(3);
  });
});
