import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { anonymousSaleDecider, customerFolder, decideCustomerOutcome, DomainError, parseStreamId, streams, WHOLE_HISTORY_FOLDER, type CustomerCommandOf } from '@relance/domain';
import type { z } from 'zod';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { loyaltyOutcome } from '../write-path/loyalty-outcome.js';
import { businessInstant, requireStore } from '../write-path/merchant-checks.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { derivedEntityId } from '../write-path/derived-ids.js';
import { PurchaseLocator } from './purchase-locator.repository.js';
import type { RefundBody, RefundResultSchema } from './purchase.schemas.js';
import { RecordedPurchases } from './recorded-purchases.js';

export type RefundResult = z.infer<typeof RefundResultSchema>;

const MAX_MERGE_HOPS = 5;

export class RefundPurchaseCommand extends Command<RefundResult> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly purchaseId: string,
    readonly body: RefundBody,
    /** `integration`: an e-shop's refund, whose store is the platform rather than one of merchant.yaml's. */
    readonly storeCheck: 'configured' | 'integration' = 'configured',
  ) {
    super();
  }
}

/**
 * Finds the purchase's stream by its id, refunds all or part of it, and (for a customer) takes back
 * the points the refunded part had earned. A purchase of a customer merged since follows the merge.
 * A customer's purchase the state no longer holds (its stream's clock moved past the purchase's
 * window) is found in the stream all the same: the refund is then decided on the whole history, and
 * refused as refund-window-closed when its own date is past the window.
 */
@CommandHandler(RefundPurchaseCommand)
export class RefundPurchaseHandler implements ICommandHandler<RefundPurchaseCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly locator: PurchaseLocator,
    private readonly recorded: RecordedPurchases,
  ) {}

  async execute({ envelope, purchaseId, body, storeCheck }: RefundPurchaseCommand): Promise<RefundResult> {
    const { merchantId } = envelope;
    if (storeCheck === 'configured') requireStore(this.contexts.merchant(merchantId), body.storeId);
    let streamId = await this.locator.find(merchantId, purchaseId);
    if (!streamId) throw new DomainError('purchase-not-found', `No purchase ${purchaseId}`, { purchaseId });
    const context = this.contexts.forMerchant(merchantId);
    const refundId = body.refundId ?? derivedEntityId('r', envelope.seed);
    const refundedAt = body.refundedAt ? businessInstant(body.refundedAt, 'refundedAt', context) : context.now;
    const command: CustomerCommandOf<'RefundPurchase'> = {
      type: 'RefundPurchase',
      data: { purchaseId, refundId, refundedAt, storeId: body.storeId, reason: body.reason ?? null, ...(body.lines ? { lines: body.lines } : {}) },
    };
    const base = { envelope, step: 'refund', occurredAt: refundedAt };

    if (parseStreamId(streamId).category === 'sale') {
      const outcome = await this.runner.run({ ...base, streamId, folder: anonymousSaleDecider, decide: (state) => anonymousSaleDecider.decide(command, state, context) });
      const refunded = outcome.events.find((e) => e.type === 'PurchaseRefunded');
      const amountCents = refunded?.type === 'PurchaseRefunded' ? refunded.data.amountCents : 0;
      return { purchaseId, refundId, customerId: null, amountCents, pointsEarned: 0, pointsTakenBack: 0, balance: null, tier: null, tierChange: null, rewardsIssued: [] };
    }
    const folder = customerFolder(context.program.definition);
    for (let hop = 0; ; hop++) {
      try {
        const outcome = await this.runner.run({ ...base, streamId, folder, decide: (state) => decideCustomerOutcome(command, state, context) });
        const refunded = outcome.events.find((e) => e.type === 'PurchaseRefunded');
        const amountCents = refunded?.type === 'PurchaseRefunded' ? refunded.data.amountCents : 0;
        const customerId = parseStreamId(streamId).entityId;
        return { purchaseId, refundId, customerId, amountCents, ...loyaltyOutcome(outcome.events, outcome.state, context.now) };
      } catch (error) {
        if (error instanceof DomainError && error.code === 'purchase-not-found' && (await this.recorded.holds(streamId, purchaseId))) {
          // Forgotten by the fold, whose clock moved past the purchase's window: the refund's own date
          // decides, judged on the whole history (refund-window-closed when it is late).
          try {
            const outcome = await this.runner.run({ ...base, streamId, folder: WHOLE_HISTORY_FOLDER, decide: (state) => decideCustomerOutcome(command, state, context) });
            const refunded = outcome.events.find((e) => e.type === 'PurchaseRefunded');
            const amountCents = refunded?.type === 'PurchaseRefunded' ? refunded.data.amountCents : 0;
            return { purchaseId, refundId, customerId: parseStreamId(streamId).entityId, amountCents, ...loyaltyOutcome(outcome.events, outcome.state, context.now) };
          } finally {
            this.runner.forget(streamId);
          }
        }
        const survivorId = error instanceof DomainError && error.code === 'customer-merged' ? error.details.survivorId : undefined;
        if (typeof survivorId !== 'string' || hop >= MAX_MERGE_HOPS) throw error;
        streamId = streams.customer(merchantId, survivorId);
      }
    }
  }
}
