import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  anonymousSaleDecider,
  customerFolder,
  decideCustomerOutcome,
  DomainError,
  parseStreamId,
  streams,
  type EventData,
} from '@relance/domain';
import { WrongExpectedRevisionError } from '@relance/event-store';
import type { z } from 'zod';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { loyaltyOutcome } from '../write-path/loyalty-outcome.js';
import { businessInstant, requireCurrency, requireStore } from '../write-path/merchant-checks.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { ApiError } from '../write-path/application-errors.js';
import { derivedEntityId } from '../write-path/derived-ids.js';
import { PurchaseLocator, type ReservedPurchase } from './purchase-locator.repository.js';
import type { PurchaseResultSchema, RecordPurchaseBody } from './purchase.schemas.js';
import { RecordedPurchases } from './recorded-purchases.js';

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
 *
 * The locator also keeps a customer's purchase ids unique for good, which the customer's state (only
 * purchases still refundable) cannot: a command that inserts the reservation is the first ever with
 * this id. One that finds it held by another command reads the stream: recorded there, the purchase is
 * a duplicate; not recorded, the holder is either still at work (retry later) or died before appending
 * (once its reservation is stale, this command takes it over). So no two commands ever append the
 * same purchase id, and the common case, a new id, costs no read.
 */
@CommandHandler(RecordPurchaseCommand)
export class RecordPurchaseHandler implements ICommandHandler<RecordPurchaseCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly locator: PurchaseLocator,
    private readonly recorded: RecordedPurchases,
  ) {}

  async execute({ envelope, body, storeCheck }: RecordPurchaseCommand): Promise<PurchaseResult> {
    const { merchantId } = envelope;
    if (storeCheck === 'configured') requireStore(this.contexts.merchant(merchantId), body.storeId);
    requireCurrency(this.contexts.merchant(merchantId), body.currency);
    const context = this.contexts.forMerchant(merchantId);
    const purchasedAt = businessInstant(body.purchasedAt, 'purchasedAt', context);
    const purchase = purchaseData(body, body.purchaseId ?? derivedEntityId('p', envelope.seed), purchasedAt);
    const customerId = body.customerId ?? null;
    const streamId = customerId ? streams.customer(merchantId, customerId) : streams.anonymousSale(merchantId, purchase.purchaseId);

    const reserved = await this.locator.reserve(merchantId, purchase.purchaseId, streamId, envelope.seed);
    if (reserved.streamId !== streamId) {
      throw new DomainError('purchase-already-recorded', `Purchase ${purchase.purchaseId} is already recorded for another customer or as anonymous`, {
        purchaseId: purchase.purchaseId,
      });
    }
    // Held by this command: it reserved the id now, or in an attempt that died (same seed).
    let held = reserved.inserted || reserved.seed === envelope.seed;
    if (customerId !== null && !held && reserved.recorded && !envelope.resumed) throw alreadyRecorded(purchase.purchaseId);
    const base = { envelope, step: 'purchase', occurredAt: purchasedAt, streamId };
    try {
      if (customerId === null) {
        await this.runner.run({
          ...base,
          // A purchase id reserved just now has no sale stream yet.
          fresh: reserved.inserted,
          folder: anonymousSaleDecider,
          decide: (state) => anonymousSaleDecider.decide({ type: 'RecordPurchase', data: { ...purchase, customerId: null } }, state, context),
        });
        return { purchaseId: purchase.purchaseId, customerId: null, totalCents: purchase.totalCents, ...anonymousOutcome };
      }
      const outcome = await this.runner.run({
        ...base,
        folder: customerFolder(context.program.definition),
        decide: async (state) => {
          if (!held) held = await this.takeFromOther(streamId, purchase.purchaseId, reserved, envelope.seed);
          return decideCustomerOutcome({ type: 'RecordPurchase', data: { ...purchase, customerId } }, state, context);
        },
      });
      return { purchaseId: purchase.purchaseId, customerId, totalCents: purchase.totalCents, ...loyaltyOutcome(outcome.events, outcome.state, context.now) };
    } catch (error) {
      // Refused, or given up on conflicts: nothing was appended, and the id must stay free (for the
      // corrected request, or for another customer when this one does not exist).
      const appendedNothing = error instanceof DomainError || error instanceof WrongExpectedRevisionError;
      if (held && appendedNothing && !(error instanceof DomainError && error.code === 'purchase-already-recorded')) {
        await this.locator.release(merchantId, purchase.purchaseId, streamId, envelope.seed).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * The id is reserved by another command. Recorded in the stream: a duplicate. Not yet: the holder
   * may still append, so wait for it, unless its reservation is stale (it died), which this command
   * then takes over. Runs in the stream's queue, on the state it decides on.
   */
  private async takeFromOther(streamId: string, purchaseId: string, reserved: ReservedPurchase, seed: string): Promise<true> {
    const { merchantId } = parseStreamId(streamId);
    if (await this.recorded.holds(streamId, purchaseId)) throw alreadyRecorded(purchaseId);
    if (reserved.stale && (await this.locator.takeOver(merchantId, purchaseId, reserved.seed, seed))) return true;
    throw new ApiError(409, 'purchase-in-progress', `Purchase ${purchaseId} is being recorded by another request; retry it`, { purchaseId }, { 'retry-after': '1' });
  }
}

function alreadyRecorded(purchaseId: string): DomainError {
  return new DomainError('purchase-already-recorded', `Purchase ${purchaseId} is already recorded`, { purchaseId });
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
    currency: body.currency,
    lines,
    totalCents: lines.reduce((sum, line) => sum + line.totalCents, 0),
    rewardIdsUsed: body.rewardIdsUsed,
    purchasedAt,
  };
}
