import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { customerDecider, evolveCustomer, EventMetadata, parseEvent, type CustomerState, type CustomerStreamEvent } from '@relance/domain';
import { loadMerchantConfig } from '@relance/platform';
import { v7 as uuidv7 } from 'uuid';
import { derivedEventId } from '../apps/engine/src/shared/derived-ids.js';
import { UsageError } from '../apps/cli/src/command.js';
import { CustomerHistory } from './support/customer-history.js';
import { benchOptions, positiveInt } from './support/options.js';
import { round } from './support/stats.js';

export const usage = 'relance bench decide [--sizes 20,500,3000,10000] [--decisions 300] [--folds 3]';

const DEMO_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../config');

/**
 * In memory, no I/O: the CPU time of one purchase decision for a customer with N purchases behind
 * them (the decider, the validation of the events, their metadata and ids, the state the next command
 * starts from, as the engine's write path does them), and the time to fold each stream from scratch.
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    sizes: { default: '20,500,3000,10000', help: 'purchases in history, comma-separated' },
    decisions: { default: '300', help: 'timed decisions per size' },
    folds: { default: '3', help: 'timed folds per size (the median is kept)' },
  });
  const sizes = o.sizes.split(',').map((s) => positiveInt(s.trim(), 'sizes'));
  if (sizes.length === 0) throw new UsageError('--sizes needs at least one number');
  const decisions = positiveInt(o.decisions, 'decisions');
  const folds = positiveInt(o.folds, 'folds');
  const merchant = await loadMerchantConfig(DEMO_CONFIG, 'cave-demo');

  // The first size measured must not pay for the JIT's warm-up.
  const warmUp = new CustomerHistory(merchant.program, 200);
  const warmBase = fold(warmUp.events);
  for (let i = 0; i < 500; i++) decideAndPrepare(warmBase, warmUp.nextPurchase(i), uuidv7(), warmUp);

  const decisionUs: Record<string, number> = {};
  const foldMs: Record<string, number> = {};
  for (const size of sizes) {
    const built = performance.now();
    const history = new CustomerHistory(merchant.program, size);
    console.error(`${size} purchases: ${history.events.length} events, built in ${round((performance.now() - built) / 1000)} s`);

    const times: number[] = [];
    for (let i = 0; i < folds; i++) times.push(cpuMs(() => fold(history.events)));
    foldMs[size] = round(median(times));

    const base = fold(history.events);
    const commands = Array.from({ length: decisions + Math.ceil(decisions / 5) }, (_, i) => history.nextPurchase(i));
    const seeds = commands.map(() => uuidv7());
    const warm = Math.ceil(decisions / 5);
    for (let i = 0; i < warm; i++) decideAndPrepare(base, commands[i]!, seeds[i]!, history);
    const ms = cpuMs(() => {
      for (let i = warm; i < commands.length; i++) decideAndPrepare(base, commands[i]!, seeds[i]!, history);
    });
    decisionUs[size] = round((ms * 1000) / decisions, 1);
    console.error(`${size} purchases: ${decisionUs[size]} µs per decision, fold ${foldMs[size]} ms`);
  }
  return { bench: 'decide', decision_us: decisionUs, fold_ms: foldMs };
}

function fold(events: readonly CustomerStreamEvent[]): CustomerState {
  let state = customerDecider.initialState();
  for (const event of events) state = evolveCustomer(state, event);
  return state;
}

/** What the write path does with a purchase between reading the state and appending. */
function decideAndPrepare(state: CustomerState, command: ReturnType<CustomerHistory['nextPurchase']>, seed: string, history: CustomerHistory): CustomerState {
  const events = customerDecider.decide(command, state, history.contextAt(command.data.purchasedAt));
  const parsed = events.map((e) => parseEvent(e.type, e.data) as CustomerStreamEvent);
  const shared = EventMetadata.parse({
    eventId: derivedEventId(seed, 'purchase:0'),
    merchantId: 'bench-cave',
    correlationId: seed,
    causationId: seed,
    actor: 'key:bench',
    occurredAt: command.data.purchasedAt,
    recordedAt: command.data.purchasedAt,
  });
  const toAppend = parsed.map((event, i) => ({ type: event.type, data: event.data, metadata: i === 0 ? shared : { ...shared, eventId: derivedEventId(seed, `purchase:${i}`) } }));
  if (toAppend.length === 0) throw new Error('A purchase decided nothing');
  let next = state;
  for (const event of parsed) next = evolveCustomer(next, event);
  return next;
}

function cpuMs(work: () => unknown): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
