import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { PG_POOL } from '@relance/platform';
import type pg from 'pg';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { ApiKeysRepository } from './auth/api-keys.repository.js';
import { CustomerActivityController } from './customers/customer-activity.controller.js';
import { CustomersController } from './customers/customers.controller.js';
import { ApiExceptionFilter } from './http/api-exception.filter.js';
import { ValidationInterceptor } from './http/validation.interceptor.js';
import { IdempotencyInterceptor } from './http/idempotency.interceptor.js';
import { IdempotencyRepository } from './write-path/idempotency.repository.js';
import { ProviderEventRecorder } from './delivery/provider-events.recorder.js';
import { ProviderWebhooksController } from './delivery/provider-webhooks.controller.js';
import { UnsubscribeController } from './delivery/unsubscribe.controller.js';
import { WebhooksController } from './integrations/webhooks.controller.js';
import { PointsController } from './points/points.controller.js';
import { PurchasesController } from './purchases/purchases.controller.js';
import { WriteModule } from './write.module.js';
import { CampaignRules, RulesController } from './rules/rules.controller.js';

const PURGE_EVERY_MS = 10 * 60_000;

/** Deletes expired idempotency records now and then, off the request path. */
class IdempotencyPurge implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(@Inject(IdempotencyRepository) private readonly records: IdempotencyRepository) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.records.purgeExpired().catch(() => undefined), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}

/** The HTTP API: controllers, and the guard, interceptors and filter every /v1 route goes through. */
@Module({
  imports: [WriteModule],
  controllers: [
    CustomersController,
    CustomerActivityController,
    PointsController,
    PurchasesController,
    WebhooksController,
    RulesController,
    ProviderWebhooksController,
    UnsubscribeController,
  ],
  providers: [
    { provide: ApiKeysRepository, useFactory: (pool: pg.Pool) => new ApiKeysRepository(pool), inject: [PG_POOL] },
    IdempotencyPurge,
    CampaignRules,
    ProviderEventRecorder,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    // Registration order is execution order: validate before claiming an Idempotency-Key.
    { provide: APP_INTERCEPTOR, useClass: ValidationInterceptor },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
  ],
})
export class HttpApiModule {}
