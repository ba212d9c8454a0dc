import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CONFIG, createPool, IdentityIndex, KEY_STORE, type AppConfig, type CustomerKeyStore } from '@relance/platform';
import type pg from 'pg';
import { DecisionContexts } from './write-path/decision-context.js';
import { StreamCommandRunner } from './write-path/stream-command-runner.js';
import { ChangeConsentHandler } from './customers/change-consent.handler.js';
import { CustomerIdentities } from './customers/customer-identities.js';
import { CustomerViews } from './customers/customer-views.js';
import { EnrolCustomerHandler } from './customers/enrol-customer.handler.js';
import { GetCustomerHandler } from './customers/get-customer.handler.js';
import { IdentityReservations } from './customers/identity-reservations.repository.js';
import { MergeCustomersHandler } from './customers/merge-customers.handler.js';
import { ProfileVault } from './customers/profile-vault.js';
import { RecordVisitHandler } from './customers/record-visit.handler.js';
import { RedeemRewardHandler } from './customers/redeem-reward.handler.js';
import { SegmentReader } from './customers/segment-reader.js';
import { UpdateCustomerHandler } from './customers/update-customer.handler.js';
import { BOOKKEEPING_POOL, IDENTITY_INDEX } from './engine.tokens.js';
import { IdempotencyRepository } from './write-path/idempotency.repository.js';
import { IdempotentExecutor } from './write-path/idempotent-execution.js';
import { IntegrationSecrets } from './integrations/integration-secrets.repository.js';
import { IngestOrderHandler } from './integrations/ingest-order.handler.js';
import { IngestRefundHandler } from './integrations/ingest-refund.handler.js';
import { ShopOrderLines } from './integrations/shop-order-lines.repository.js';
import { AdjustPointsHandler } from './points/adjust-points.handler.js';
import { ProgramActivation } from './program/program-activation.service.js';
import { PurchaseLocator } from './purchases/purchase-locator.repository.js';
import { RecordPurchaseHandler } from './purchases/record-purchase.handler.js';
import { RecordedPurchases } from './purchases/recorded-purchases.js';
import { RefundPurchaseHandler } from './purchases/refund-purchase.handler.js';

const HANDLERS = [
  EnrolCustomerHandler,
  UpdateCustomerHandler,
  GetCustomerHandler,
  MergeCustomersHandler,
  ChangeConsentHandler,
  RecordVisitHandler,
  RedeemRewardHandler,
  RecordPurchaseHandler,
  RefundPurchaseHandler,
  IngestOrderHandler,
  IngestRefundHandler,
  AdjustPointsHandler,
];

class BookkeepingPoolShutdown implements OnApplicationShutdown {
  constructor(@Inject(BOOKKEEPING_POOL) private readonly pool: pg.Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * The application services of the write side: command handlers and what they need. The HTTP API and
 * `relance import` both drive these through the CommandBus; neither goes through the other.
 */
@Module({
  imports: [CqrsModule.forRoot()],
  providers: [
    ...HANDLERS,
    StreamCommandRunner,
    IdempotentExecutor,
    DecisionContexts,
    ProfileVault,
    CustomerIdentities,
    CustomerViews,
    IdentityReservations,
    SegmentReader,
    PurchaseLocator,
    RecordedPurchases,
    IntegrationSecrets,
    ShopOrderLines,
    ProgramActivation,
    {
      provide: BOOKKEEPING_POOL,
      useFactory: (config: AppConfig) =>
        createPool(config.databaseUrl, {
          max: Math.max(2, Math.ceil(config.databasePoolMax / 2)),
          applicationName: 'relance-engine-bookkeeping',
          synchronousCommit: false,
        }),
      inject: [CONFIG],
    },
    BookkeepingPoolShutdown,
    {
      provide: IdempotencyRepository,
      useFactory: (pool: pg.Pool, config: AppConfig, keys: CustomerKeyStore) => {
        if (!config.piiMasterKey) throw new Error('PII_MASTER_KEY is required by the write side');
        return new IdempotencyRepository(pool, config.idempotencyLeaseSeconds, config.idempotencyRetentionHours, config.piiMasterKey, keys);
      },
      inject: [BOOKKEEPING_POOL, CONFIG, KEY_STORE],
    },
    {
      provide: IDENTITY_INDEX,
      useFactory: (config: AppConfig) => {
        if (!config.piiMasterKey) throw new Error('PII_MASTER_KEY is required by the write side');
        return new IdentityIndex(config.piiMasterKey);
      },
      inject: [CONFIG],
    },
  ],
  exports: [CqrsModule, IdempotencyRepository, IdempotentExecutor, IntegrationSecrets, PurchaseLocator, IdentityReservations, DecisionContexts, StreamCommandRunner, ProgramActivation, ProfileVault],
})
export class WriteModule {}
