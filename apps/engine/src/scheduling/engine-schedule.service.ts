import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CLOCK, CONFIG, HEALTH_CHECKS, MERCHANTS, PG_POOL, REDIS, Scheduler, type AppConfig, type Clock, type HealthCheck, type MerchantDirectory } from '@relance/platform';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { DecisionContexts } from '../write-path/decision-context.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { expiryReviewJob } from './expiry-review.js';

/** The engine's scheduled work (the daily expiry review), started and stopped with the application. */
@Injectable()
export class EngineSchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private scheduler: Scheduler | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MERCHANTS) private readonly merchants: MerchantDirectory,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.redis) throw new Error('The engine needs Redis for its scheduled runs');
    const scheduler = (this.scheduler = new Scheduler({ connection: this.redis, pool: this.pool, clock: this.clock, logger: this.logger }));
    scheduler.register(
      expiryReviewJob({
        pool: this.pool,
        runner: this.runner,
        contexts: this.contexts,
        merchants: this.merchants.list().map((m) => ({ id: m.id, timeZone: m.timeZone })),
        hour: this.config.expiryReviewHour,
      }),
    );
    this.checks.push(scheduler.healthCheck());
    // The API does not wait for Redis: the schedule starts whenever it answers.
    void scheduler.start().catch((error: unknown) => this.logger.error(`Scheduler did not start: ${String(error)}`));
  }

  /** Before the core closes the Redis connection the scheduler's workers share. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.scheduler?.stop();
  }
}
