import { createEventStore, type EventStore } from '@relance/event-store';
import { createPool, CustomerKeyStore, SealedProfiles, systemClock, type AppConfig, type Clock } from '@relance/platform';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { BonusGrants } from './bonus-grants.js';
import { voucherKeyFrom } from './evaluation.js';
import { withProfiles, type RuleBook } from './rule-book.js';
import { RulesEngine } from './rules-engine.js';
import { runTimeRule, type TimeRuleRun } from './time-rules.js';
import { TimeRuleSchedule, type TimeRuleJob } from './time-schedule.js';

export const RELOAD_CHANNEL = 'relance_rules_reload';

export interface RulesRuntimeOptions {
  readonly config: AppConfig;
  readonly book: RuleBook;
  readonly clock?: Clock;
  /** Time rules on BullMQ (false: event triggers only). */
  readonly schedule?: boolean;
  readonly readModels?: readonly string[];
  readonly batchSize?: number;
  /** BullMQ key prefix (tests keep their queues apart). */
  readonly queuePrefix?: string;
  readonly log?: (line: string) => void;
}

/**
 * A rules process: event triggers from the checkpointed subscription, time rules from BullMQ job
 * schedulers, and reloads (SIGHUP, or `relance rules reload` through PostgreSQL NOTIFY) that swap
 * the rule book without stopping either.
 */
export class RulesRuntime {
  readonly engine: RulesEngine;
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
      onError: (error) => this.log(`rules subscription stopped on ${(error as Error).message}; resuming from its checkpoint`),
    });
    this.redis = options.schedule === false ? null : new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    this.schedule = this.redis ? new TimeRuleSchedule(this.redis, book, (job) => this.runTimeRule(job), options.queuePrefix) : null;
  }

  static create(options: RulesRuntimeOptions): RulesRuntime {
    const pool = createPool(options.config.databaseUrl, { max: Math.max(4, options.config.databasePoolMax) });
    return new RulesRuntime(pool, createEventStore(options.config, pool), options.book, options);
  }

  async start(): Promise<void> {
    this.engine.start();
    if (this.schedule) {
      await this.schedule.sync();
      this.schedule.startWorker();
      await this.schedule.catchUp();
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

  runTimeRule(job: TimeRuleJob, force = false): Promise<TimeRuleRun> {
    const rules = this.book.forMerchant(job.merchantId);
    if (!rules) return Promise.resolve({ ...job, days: [], hits: 0, decided: 0, triggered: 0 });
    return runTimeRule(this.pool, withProfiles(rules, this.profiles), job.campaignId, { now: this.clock.now().toISOString(), voucherKey: this.voucherKey, force });
  }

  async stop(): Promise<void> {
    if (this.listener) {
      await this.listener.query(`UNLISTEN ${RELOAD_CHANNEL}`).catch(() => undefined);
      this.listener.release();
      this.listener = null;
    }
    await this.engine.stop();
    await this.schedule?.close();
    await this.redis?.quit().catch(() => undefined);
    await this.store.close();
    await this.pool.end();
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => console.log(l)))(line);
  }
}
