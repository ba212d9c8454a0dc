import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { customerFolder, requireActive, streams } from '@relance/domain';
import { PG_POOL, sql } from '@relance/platform';
import type pg from 'pg';
import type { Principal } from '../auth/permissions.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import type { CustomerView } from './customer-view.js';
import { CustomerViews } from './customer-views.js';

export type CustomerLookup = CustomerView | { customerId: string; status: 'merged'; survivorId: string };

export class GetCustomerQuery extends Query<CustomerLookup> {
  constructor(
    readonly principal: Principal,
    readonly customerId: string,
  ) {
    super();
  }
}

/** Reads go to the store (not this process's cache), so they see what other replicas wrote. */
@QueryHandler(GetCustomerQuery)
export class GetCustomerHandler implements IQueryHandler<GetCustomerQuery> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly views: CustomerViews,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  async execute({ principal, customerId }: GetCustomerQuery): Promise<CustomerLookup> {
    const { merchantId } = principal;
    const context = this.contexts.forMerchant(merchantId);
    const { state } = await this.runner.read(streams.customer(merchantId, customerId), customerFolder(context.program.definition));
    if (state.status === 'merged') return { customerId, status: 'merged', survivorId: state.survivorId };
    const active = requireActive(state);
    if (principal.role === 'support' || principal.role === 'admin') {
      await this.pool.query(sql`
        INSERT INTO personal_data_reads (merchant_id, customer_id, key_id, role)
        VALUES (${merchantId}, ${customerId}, ${principal.keyId}, ${principal.role})`);
    }
    return this.views.of(merchantId, active, context);
  }
}
