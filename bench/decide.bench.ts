import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { customerFolder, decideCustomerOutcome, upcast, type CustomerState, type CustomerStreamEvent } from '@relance/domain';
import { loadMerchantConfig, UsageError } from '@relance/platform';
import { v7 as uuidv7 } from 'uuid';
import type { CommandEnvelope } from '../apps/engine/src/write-path/command-envelope.js';
import { prepareAppend } from '../apps/engine/src/write-path/prepared-append.js';
import { StreamCache } from '../apps/engine/src/write-path/stream-cache.js';
import { CustomerHistory } from './support/customer-history.js';
import { benchOptions, positiveInt } from './support/options.js';
import { round } from './support/stats.js';

export const usage = 'relance bench decide [--sizes 20,500,3000,10000] [--decisions 1000] [--folds 3]';

const DEMO_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../config');

/**
 * In memory, no I/O: the CPU time of one purchase decision for a customer with N purchases behind
 * them — the decider, then what the engine's write path does around it (the events validated and
 * given their metadata and ids, the resulting state kept in the stream cache with its size) — and the
 * time to fold each stream from scratch as the engine reads it (through the upcasters). Each timed
 * decision starts from the same folded state, so every one has exactly N purchases behind it.
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    sizes: { default: '20,500,3000,10000', help: 'purchases in history, comma-separated' },
    decisions: { default: '1000', help: 'timed decisions per size' },
    folds: { default: '3', help: 'timed folds per size (the median is kept)' },
  });
  const sizes = o.sizes.split(',').map((s) => positiveInt(s.trim(), 'sizes'));
  if (sizes.length === 0) throw new UsageError('--sizes needs at least one number');
  const decisions = positiveInt(o.decisions, 'decisions');
  const folds = positiveInt(o.folds, 'folds');
  const { program } = await loadMerchantConfig(DEMO_CONFIG, 'cave-demo');
  const folder = customerFolder(program.definition);
  const cache = new StreamCache(Number.MAX_SAFE_INTEGER);

  // The first size measured must not pay for the JIT's warm-up.
  const warmUp = new CustomerHistory(program, 200);
  for (let i = 0; i < 50; i++) fold(warmUp.events);
  const warmBase = fold(warmUp.events);
  for (let i = 0; i < 500; i++) decideAndPrepare(warmBase, warmUp.nextPurchase(i), warmUp, cache);

  const decisionUs: Record<string, number> = {};
  const foldMs: Record<string, number> = {};
  for (const size of sizes) {
    const built = performance.now();
    const history = new CustomerHistory(program, size);
    console.error(`${size} purchases: ${history.events.length} events, built in ${round((performance.now() - built) / 1000)} s`);

    const times: number[] = [];
    for (let i = 0; i < folds; i++) times.push(cpuMs(() => fold(history.events)));
    foldMs[size] = round(median(times));

    const base = fold(history.events);
    const warm = Math.ceil(decisions / 5);
    const commands = Array.from({ length: warm + decisions }, (_, i) => history.nextPurchase(i));
    for (let i = 0; i < warm; i++) decideAndPrepare(base, commands[i]!, history, cache);
    const ms = cpuMs(() => {
      for (let i = warm; i < commands.length; i++) decideAndPrepare(base, commands[i]!, history, cache);
    });
    decisionUs[size] = round((ms * 1000) / decisions, 1);
    console.error(`${size} purchases: ${decisionUs[size]} µs per decision, fold ${foldMs[size]} ms, state ~${Math.round(folder.sizeOf(base) / 1024)} kB`);
  }
  return { decision_us: decisionUs, fold_ms: foldMs };

  function fold(events: readonly CustomerStreamEvent[]): CustomerState {
    let state = folder.initialState();
    for (const event of events) state = folder.evolve(state, upcast<CustomerStreamEvent>(event));
    return state;
  }

  /** The decision and what the write path does with it between reading the state and appending. */
  function decideAndPrepare(state: CustomerState, command: ReturnType<CustomerHistory['nextPurchase']>, history: CustomerHistory, into: StreamCache): void {
    const now = command.data.purchasedAt;
    const decided = decideCustomerOutcome(command, state, history.contextAt(now));
    const seed = uuidv7();
    const envelope: CommandEnvelope = { merchantId: 'bench-cave', actor: 'key:bench', correlationId: seed, causationId: seed, seed, resumed: false };
    const { toAppend } = prepareAppend(decided.events, envelope, 'purchase', now, now);
    if (toAppend.length === 0) throw new Error('A purchase decided nothing');
    into.set('customer-bench-cave.c-bench', { state: decided.state, revision: BigInt(toAppend.length) }, folder.sizeOf(decided.state));
  }
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
