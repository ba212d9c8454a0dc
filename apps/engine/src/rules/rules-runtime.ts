import { createEventStore, type EventStore } from '@relance/event-store';
import { localDateOf } from '@relance/domain';
import { createPool, CustomerKeyStore, Scheduler, SealedProfiles, systemClock, type AppConfig, type Clock, type HealthCheck, type ScheduledRun } from '@relance/platform';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { BonusGrants } from './bonus-grants.js';
import { voucherKeyFrom } from './evaluation.js';
import { withProfiles, type RuleBook } from './rule-book.js';
import { RulesEngine } from './rules-engine.js';
import { runTimeRule, timeRuleDays, type TimeRuleRun } from './time-rules.js';
import { removeLegacySchedulers, TimeRuleSchedule } from './time-schedule.js';

export const RELOAD_CHANNEL = 'relance_rules_reload';

export interface RulesRuntimeOptions {
  readonly config: AppConfig;
  readonly book: RuleBook;
  readonly clock?: Clock;
  /** Time rules on the shared scheduler, BullMQ and the run ledger (false: event triggers only). */
  readonly schedule?: boolean;
  readonly readModels?: readonly string[];
  readonly batchSize?: number;
  /** BullMQ key prefix (tests keep their queues apart). */
  readonly queuePrefix?: string;
  readonly log?: (line: string) => void;
}

/** A time campaign of a merchant. */
export interface TimeRuleJob {
  readonly merchantId: string;
  readonly campaignId: string;
}

/**
 * A rules process: event triggers from checkpointed consumers, time rules on the shared scheduler
 * (one run per merchant, campaign and local day, missed days caught up at start), and reloads
 * (SIGHUP, or `relance rules reload` through PostgreSQL NOTIFY) that swap the rule book without
 * stopping either.
 */
export class RulesRuntime {
  /** Its subscriptions' lag and failures (`relance rules run` serves it on /metrics). */
  readonly registry = new Registry();
  readonly engine: RulesEngine;
  readonly scheduler: Scheduler | null;
  readonly schedule: TimeRuleSchedule | null;
  private listener: pg.PoolClient | null = null;
  private readonly redis: Redis | null;
  private readonly voucherKey: Buffer;
  private readonly profiles: SealedProfiles;
  private readonly clock: Clock;

  private constructor(
    readonly pool: pg.Pool,
    readonly store: EventStore,
    readonly book: RuleBook,
    private readonly options: RulesRuntimeOptions,
  ) {
    const { config } = options;
    if (!config.piiMasterKey) throw new Error('PII_MASTER_KEY is required by the rules engine (voucher codes are keyed with it)');
    this.voucherKey = voucherKeyFrom(config.piiMasterKey);
    this.profiles = new SealedProfiles(pool, new CustomerKeyStore(pool, config.piiMasterKey));
    this.clock = options.clock ?? systemClock;
    const runner = new StreamCommandRunner(store, this.clock, config, new Registry());
    this.engine = new RulesEngine({
      pool,
      store,
      book,
      clock: this.clock,
      voucherKey: this.voucherKey,
      profiles: this.profiles,
      bonus: new BonusGrants(runner, book, this.clock),
      readModels: options.readModels,
      batchSize: options.batchSize,
      registry: this.registry,
      lagAlertSeconds: config.lagAlertSeconds,
      onError: (error) => this.log(`rules subscription stopped on ${(error as Error).message}; resuming from its checkpoint`),
    });
    this.redis = options.schedule === false ? null : new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    this.scheduler = this.redis
      ? new Scheduler({ connection: this.redis, pool, clock: this.clock, logger: { log: (line) => this.log(line), error: (line) => this.log(line) }, ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}) })
      : null;
    this.schedule = this.scheduler ? new TimeRuleSchedule(this.scheduler, book, (merchantId, campaignId, run) => this.runScheduled(merchantId, campaignId, run)) : null;
  }

  static create(options: RulesRuntimeOptions): RulesRuntime {
    const pool = createPool(options.config.databaseUrl, { max: Math.max(4, options.config.databasePoolMax) });
    return new RulesRuntime(pool, createEventStore(options.config, pool), options.book, options);
  }

  async start(): Promise<void> {
    this.engine.start();
    if (this.schedule && this.scheduler && this.redis) {
      await this.schedule.sync();
      // The days missed while no rules process ran are run now; then BullMQ fires each day once.
      await this.scheduler.start();
      const served = this.book.merchants().map((r) => r.merchant.id);
      const removed = await removeLegacySchedulers(this.redis, served, this.options.queuePrefix).catch((error: Error) => {
        this.log(`removing the time rules' former schedulers failed: ${error.message}`);
        return 0;
      });
      if (removed > 0) this.log(`removed ${removed} former time rule schedulers (queue relance-rules-time)`);
    }
    this.listener = await this.pool.connect();
    this.listener.on('notification', () => void this.reload('NOTIFY'));
    await this.listener.query(`LISTEN ${RELOAD_CHANNEL}`);
  }

  /** The rules in force for the evaluations that start from now on; those running finish on theirs. */
  async reload(cause: string): Promise<void> {
    try {
      const versions = await this.book.reload();
      await this.schedule?.sync();
      this.log(`rules reloaded (${cause}): ${Object.entries(versions).map(([m, v]) => `${m} ${v.slice(0, 12)}`).join(', ')}`);
    } catch (error) {
      this.log(`rules reload (${cause}) refused, the rules in force stay: ${(error as Error).message}`);
    }
  }

  /**
   * Runs a time rule now for today (the merchant's local date), outside the schedule and its ledger:
   * what the rule decided before is not decided again.
   */
  runTimeRule(job: TimeRuleJob): Promise<TimeRuleRun> {
    const rules = this.book.forMerchant(job.merchantId);
    if (!rules) return Promise.resolve({ ...job, days: [], hits: 0, decided: 0, triggered: 0 });
    const today = localDateOf(this.clock.now().toISOString(), rules.merchant.timeZone);
    return runTimeRule(this.pool, withProfiles(rules, this.profiles), job.campaignId, { days: [today], now: this.clock.now().toISOString(), voucherKey: this.voucherKey });
  }

  /** A scheduled day: the days it stands for, on the rules in force now. */
  private runScheduled(merchantId: string, campaignId: string, run: ScheduledRun): Promise<TimeRuleRun> {
    const rules = this.book.forMerchant(merchantId);
    if (!rules) return Promise.resolve({ merchantId, campaignId, days: [], hits: 0, decided: 0, triggered: 0 });
    return runTimeRule(this.pool, withProfiles(rules, this.profiles), campaignId, { days: timeRuleDays(run.coversFrom, run.period), now: this.clock.now().toISOString(), voucherKey: this.voucherKey });
  }

  /**
   * What `relance rules run` answers on /health: PostgreSQL and Redis as dependencies; the event
   * triggers' and bonus points' subscriptions (stopped on a failure, or behind the log's head by more
   * than LAG_ALERT_SECONDS, e.g. waiting for a projector that does not run) and the time rules'
   * latest days as progress.
   */
  healthChecks(): HealthCheck[] {
    const redis = this.redis;
    return [
      { name: 'postgres', check: async () => void (await this.pool.query('SELECT 1')) },
      ...(redis ? [{ name: 'redis', check: async () => void (await redis.ping()) }] : []),
      this.engine.subscription.healthCheck(),
      this.engine.bonusSubscription.healthCheck(),
      ...(this.scheduler ? [this.scheduler.healthCheck()] : []),
    ];
  }

  async stop(): Promise<void> {
    if (this.listener) {
      await this.listener.query(`UNLISTEN ${RELOAD_CHANNEL}`).catch(() => undefined);
      this.listener.release();
      this.listener = null;
    }
    await this.engine.stop();
    await this.scheduler?.stop();
    await this.redis?.quit().catch(() => undefined);
    await this.store.close();
    await this.pool.end();
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => console.log(l)))(line);
  }
}
