import { createHash } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@relance/event-store';
import type { Clock, SealedProfiles } from '@relance/platform';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { BonusGrants } from './bonus-grants.js';
import { decideCandidates, lockMerchant, recordDecisions } from './evaluation.js';
import { eventCandidates, merchantOf, RULES_EVENT_TYPES, rulesStreamPrefixes } from './event-triggers.js';
import { withProfiles, type RuleBook } from './rule-book.js';
import { RulesSubscription, type BatchHandler } from './rules-subscription.js';

/** The read models event-triggered decisions read; the subscription waits for them to pass each batch. */
export const DECISION_READ_MODELS = ['customers', 'consents', 'sales', 'points'] as const;

export interface RulesEngineOptions {
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly book: RuleBook;
  readonly clock: Clock;
  readonly voucherKey: Buffer;
  readonly bonus: BonusGrants;
  /** Opens the sealed profiles of customers whose age a decision needs; without it ages stay unknown. */
  readonly profiles?: SealedProfiles | null;
  readonly readModels?: readonly string[];
  readonly batchSize?: number;
  readonly onError?: (error: unknown) => void;
  readonly onDecided?: (count: number) => void;
  /** After each batch's commit, with its events (latency measurements). */
  readonly onCommitted?: (events: readonly RecordedEvent[]) => void;
  /** The subscriptions' lag and failures, for the process's /health and /metrics. */
  readonly registry?: Registry;
  readonly lagAlertSeconds?: number;
}

/**
 * Event triggers: the rules subscription hands each batch's events to every active campaign of
 * their merchant (the rules in force when the batch starts: a reload meanwhile applies to the next
 * batch), and records the decisions with the checkpoint.
 */
export class RulesEngine implements BatchHandler {
  readonly subscription: RulesSubscription;
  /** Bonus points of the decisions, on a checkpoint of their own: granting never delays deciding. */
  readonly bonusSubscription: RulesSubscription;

  constructor(private readonly options: RulesEngineOptions) {
    const merchantIds = options.book.merchants().map((r) => r.merchant.id).sort();
    // Processes serving the same merchants share checkpoints; a different set gets its own.
    const served = createHash('sha256').update(merchantIds.join(',')).digest('hex').slice(0, 16);
    this.subscription = new RulesSubscription({
      pool: options.pool,
      store: options.store,
      name: `rules:${served}`,
      filter: { eventTypePrefixes: [...RULES_EVENT_TYPES], streamPrefixes: merchantIds.flatMap(rulesStreamPrefixes) },
      handler: this,
      readModels: options.readModels ?? DECISION_READ_MODELS,
      batchSize: options.batchSize,
      onError: options.onError,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.lagAlertSeconds !== undefined ? { lagAlertSeconds: options.lagAlertSeconds } : {}),
      ...(options.onCommitted ? { onBatch: (batch: { events: readonly RecordedEvent[] }) => options.onCommitted!(batch.events) } : {}),
    });
    this.bonusSubscription = new RulesSubscription({
      pool: options.pool,
      store: options.store,
      name: `rules-bonus:${served}`,
      filter: { eventTypePrefixes: ['CampaignTriggered'], streamPrefixes: merchantIds.map((m) => `campaign-${m}.`) },
      handler: { prepare: (events) => options.bonus.grantFor(events).then(() => undefined), decide: async () => undefined },
      readModels: [],
      batchSize: options.batchSize,
      onError: options.onError,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.lagAlertSeconds !== undefined ? { lagAlertSeconds: options.lagAlertSeconds } : {}),
    });
  }

  start(): void {
    this.subscription.start();
    this.bonusSubscription.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.subscription.stop(), this.bonusSubscription.stop()]);
  }

  async prepare(): Promise<void> {
    // Nothing outside the transaction: bonus points follow on their own subscription.
  }

  async decide(events: readonly RecordedEvent[], tx: pg.PoolClient): Promise<void> {
    const byMerchant = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const merchantId = merchantOf(event);
      let list = byMerchant.get(merchantId);
      if (!list) byMerchant.set(merchantId, (list = []));
      list.push(event);
    }
    const now = this.options.clock.now().toISOString();
    // Merchants locked in one order by every process: two processes never wait on each other in a cycle.
    for (const merchantId of [...byMerchant.keys()].sort()) {
      const loaded = this.options.book.forMerchant(merchantId);
      if (!loaded || loaded.active.length === 0) continue;
      const rules = withProfiles(loaded, this.options.profiles);
      await lockMerchant(tx, merchantId);
      const candidates = await eventCandidates(tx, rules, byMerchant.get(merchantId)!);
      if (candidates.length === 0) continue;
      const decided = await decideCandidates(tx, rules, candidates, { now, skipDecided: true, voucherKey: this.options.voucherKey });
      await recordDecisions(tx, rules, decided, now);
      this.options.onDecided?.(decided.length);
    }
  }
}
