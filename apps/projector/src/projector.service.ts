import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@relance/event-store';
import {
  CLOCK,
  CONFIG,
  EVENT_STORE,
  HEALTH_CHECKS,
  KEY_STORE,
  MERCHANTS,
  METRICS,
  PG_POOL,
  REDIS,
  Scheduler,
  type AppConfig,
  type Clock,
  type CustomerKeyStore,
  type HealthCheck,
  type MerchantDirectory,
  type Registry,
} from '@relance/platform';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { PROJECTIONS } from './projections/index.js';
import { dailyRfmJob } from './rfm/daily-rfm-job.js';
import { ProfileOpener } from './runner/profile-opener.js';
import { ProjectionRunner } from './runner/projection-runner.js';
import { progressProblems } from './runner/progress-problems.js';
import { ProjectorMetrics } from './runner/projector-metrics.js';

/** Starts the projection runner and the scheduled RFM runs with the application, stops them with it. */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private runner: ProjectionRunner | null = null;
  private scheduler: Scheduler | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KEY_STORE) private readonly keys: CustomerKeyStore | null,
    @Inject(MERCHANTS) private readonly merchants: MerchantDirectory,
    @Inject(METRICS) private readonly registry: Registry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  onApplicationBootstrap(): void {
    // Profiles are sealed in the log: without the master key the customers read model cannot be built.
    if (!this.keys) throw new Error('The projector needs PII_MASTER_KEY to open customer profiles');
    this.runner = new ProjectionRunner({
      pool: this.pool,
      store: this.store,
      projections: PROJECTIONS,
      profiles: new ProfileOpener(this.keys),
      timeZones: (merchantId) => this.merchants.get(merchantId)?.timeZone,
      logger: this.logger,
      metrics: new ProjectorMetrics(this.registry),
      batchSize: this.config.projectorBatchSize,
    });
    const runner = this.runner;
    void runner.run().catch((error: unknown) => this.logger.error(`Projection runner stopped: ${String(error)}`));
    // Degraded, with the reasons, while a projection of this process is stopped, has a merchant's part
    // waiting, or lags the log's head by more than LAG_ALERT_SECONDS.
    this.checks.push({
      name: 'projections',
      kind: 'progress',
      check: async () => {
        const problems = progressProblems(runner.status(), this.config.lagAlertSeconds);
        if (problems.length > 0) throw new Error(problems.join('; '));
      },
    });
    if (!this.redis) throw new Error('The projector needs Redis for its scheduled runs');
    const scheduler = (this.scheduler = new Scheduler({ connection: this.redis, pool: this.pool, clock: this.clock, logger: this.logger }));
    scheduler.register(dailyRfmJob({ pool: this.pool, store: this.store, clock: this.clock, merchants: this.merchants, runHour: this.config.rfmRunHour }));
    this.checks.push(scheduler.healthCheck());
    // Projections do not wait for Redis: the schedule starts whenever it answers.
    void scheduler.start().catch((error: unknown) => this.logger.error(`Scheduler did not start: ${String(error)}`));
  }

  /** Before the core closes the Redis connection the scheduler's workers share. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.scheduler?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}
