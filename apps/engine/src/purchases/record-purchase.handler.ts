import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { anonymousSaleDecider, customerDecider, DomainError, streams, type EventData } from '@relance/domain';
import type { z } from 'zod';
import type { CommandEnvelope } from '../commands/command-envelope.js';
import { DecisionContexts } from '../commands/decision-context.js';
import { loyaltyOutcome } from '../commands/loyalty-outcome.js';
import { businessInstant, requireStore } from '../commands/merchant-checks.js';
import { StreamCommandRunner } from '../commands/stream-command-runner.js';
import { derivedEntityId } from '../shared/derived-ids.js';
import { PurchaseLocator } from './purchase-locator.repository.js';
import type { PurchaseResultSchema, RecordPurchaseBody } from './purchase.schemas.js';

export type PurchaseResult = z.infer<typeof PurchaseResultSchema>;

export class RecordPurchaseCommand extends Command<PurchaseResult> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly body: RecordPurchaseBody,
    /** E-shop orders name the platform as their store instead of one of merchant.yaml's. */
    readonly storeCheck: 'configured' | 'integration' = 'configured',
  ) {
    super();
  }
}

/**
 * A customer's purchase appends PurchaseRecorded and, in the same append, the points, tier change and
 * automatic rewards it causes; an anonymous one goes to its own sale stream. The purchase id is
 * reserved in the locator first, so one id never lands on two streams and refunds find it.
 */
@CommandHandler(RecordPurchaseCommand)
export class RecordPurchaseHandler implements ICommandHandler<RecordPurchaseCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly locator: PurchaseLocator,
  ) {}

  async execute({ envelope, body, storeCheck }: RecordPurchaseCommand): Promise<PurchaseResult> {
    const { merchantId } = envelope;
    if (storeCheck === 'configured') requireStore(this.contexts.merchant(merchantId), body.storeId);
    const context = this.contexts.forMerchant(merchantId);
    const purchasedAt = businessInstant(body.purchasedAt, 'purchasedAt', context);
    const purchase = purchaseData(body, body.purchaseId ?? derivedEntityId('p', envelope.seed), purchasedAt);
    const customerId = body.customerId ?? null;
    const streamId = customerId ? streams.customer(merchantId, customerId) : streams.anonymousSale(merchantId, purchase.purchaseId);

    const reserved = await this.locator.reserve(merchantId, purchase.purchaseId, streamId);
    if (reserved.streamId !== streamId) {
      throw new DomainError('purchase-already-recorded', `Purchase ${purchase.purchaseId} is already recorded for another customer or as anonymous`, {
        purchaseId: purchase.purchaseId,
      });
    }
    const base = { envelope, step: 'purchase', occurredAt: purchasedAt, streamId };
    try {
      if (customerId === null) {
        await this.runner.run({
          ...base,
          // A purchase id reserved just now has no sale stream yet.
          fresh: reserved.inserted,
          folder: anonymousSaleDecider,
          decide: (state) => anonymousSaleDecider.decide({ type: 'RecordPurchase', data: { ...purchase, customerId: null } }, state),
        });
        return { purchaseId: purchase.purchaseId, customerId: null, totalCents: purchase.totalCents, ...anonymousOutcome };
      }
      const outcome = await this.runner.run({
        ...base,
        folder: customerDecider,
        decide: (state) => customerDecider.decide({ type: 'RecordPurchase', data: { ...purchase, customerId } }, state, context),
      });
      return { purchaseId: purchase.purchaseId, customerId, totalCents: purchase.totalCents, ...loyaltyOutcome(outcome.events, outcome.state, context.now) };
    } catch (error) {
      // No such customer: the reservation must not keep the id from being recorded elsewhere.
      if (reserved.inserted && error instanceof DomainError && error.code === 'customer-not-found') {
        await this.locator.release(merchantId, purchase.purchaseId, streamId).catch(() => undefined);
      }
      throw error;
    }
  }
}

const anonymousOutcome = { pointsEarned: 0, pointsTakenBack: 0, balance: null, tier: null, tierChange: null, rewardsIssued: [] };

function purchaseData(body: RecordPurchaseBody, purchaseId: string, purchasedAt: string): Omit<EventData<'PurchaseRecorded'>, 'customerId'> {
  const lines = body.lines.map((line, i) => ({
    lineNo: i + 1,
    sku: line.sku,
    name: line.name,
    category: line.category ?? null,
    quantity: line.quantity,
    unitPriceCents: line.unitPriceCents,
    discountCents: line.discountCents,
    promo: line.promo,
    totalCents: line.quantity * line.unitPriceCents - line.discountCents,
  }));
  return {
    purchaseId,
    storeId: body.storeId,
    externalRef: body.externalRef ?? null,
    channel: body.channel,
    currency: 'EUR',
    lines,
    totalCents: lines.reduce((sum, line) => sum + line.totalCents, 0),
    rewardIdsUsed: body.rewardIdsUsed,
    purchasedAt,
  };
}
