import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError, Id } from '@relance/domain';
import { z } from 'zod';
import { systemEnvelope } from '../commands/command-envelope.js';
import { ApiError } from '../http/api-errors.js';
import { renderError } from '../http/error-rendering.js';
import { IdempotencyRepository } from '../idempotency/idempotency.repository.js';
import { PurchaseLocator } from '../purchases/purchase-locator.repository.js';
import { RefundPurchaseCommand } from '../purchases/refund-purchase.handler.js';
import { externalEntityId } from '../shared/derived-ids.js';
import type { Delivered } from './ingest-order.handler.js';
import { orderPurchaseId } from './shop-order.js';
import type { ShopRefund } from './shop-refund.js';
import { ShopOrderLines } from './shop-order-lines.repository.js';

export const RefundIngestedSchema = z.object({
  orderId: z.string(),
  status: z.enum(['refunded', 'already-recorded', 'ignored']),
  purchaseId: z.string().nullable(),
  refundId: z.string().nullable(),
  amountCents: z.int().nullable(),
  reason: z.string().nullable(),
});
export type RefundIngested = z.infer<typeof RefundIngestedSchema>;

export class IngestRefundCommand extends Command<Delivered> {
  constructor(
    readonly merchantId: string,
    readonly refund: ShopRefund,
  ) {
    super();
  }
}

/**
 * An e-shop refund or cancellation becomes a refund of the order's purchase, once per platform event
 * (`webhook:<platform>:refund:<order>:<event>`): a redelivery gets the first answer back. Line items
 * map to the purchase's lines through ShopOrderLines. What cannot be refunded (an order never
 * recorded, one already refunded in full, a refund of shipping only, a refund past the program's
 * window) is acknowledged with the reason, so that the platform does not deliver it again for days.
 */
@CommandHandler(IngestRefundCommand)
export class IngestRefundHandler implements ICommandHandler<IngestRefundCommand> {
  constructor(
    private readonly commands: CommandBus,
    private readonly records: IdempotencyRepository,
    private readonly locator: PurchaseLocator,
    private readonly orderLines: ShopOrderLines,
  ) {}

  async execute({ merchantId, refund }: IngestRefundCommand): Promise<Delivered> {
    const key = `webhook:${refund.platform}:refund:${refund.orderId}:${refund.eventKey}`;
    const claim = await this.records.claim(merchantId, key, key);
    if (claim.kind === 'replay') return { status: claim.status, body: claim.body, replayed: true };
    if (claim.kind === 'in-progress') {
      throw new ApiError(409, 'request-in-progress', 'This refund is being recorded', {}, { 'retry-after': String(claim.retryAfterSeconds) });
    }
    if (claim.kind === 'mismatch') throw new Error(`Idempotency record ${key} has another request hash`);
    if (claim.kind === 'erased') throw new Error(`Idempotency record ${key} was sealed for customer ${claim.customerId}`);
    const envelope = { ...systemEnvelope(merchantId, `${refund.platform}-webhook`, claim.seed, claim.attempt > 1), correlationId: key };
    try {
      const result = await this.refund(envelope, refund);
      const body = JSON.stringify(result);
      await this.records.complete(merchantId, key, claim.attempt, 200, body);
      return { status: 200, body, replayed: false };
    } catch (error) {
      const rendered = renderError(error);
      if (rendered.deterministic) await this.records.complete(merchantId, key, claim.attempt, rendered.status, JSON.stringify(rendered.body));
      else await this.records.release(merchantId, key, claim.attempt).catch(() => undefined);
      throw error;
    }
  }

  private async refund(envelope: ReturnType<typeof systemEnvelope>, refund: ShopRefund): Promise<RefundIngested> {
    const { merchantId } = envelope;
    const purchaseId = orderPurchaseId(refund.platform, refund.orderId);
    const ignored = (reason: string): RefundIngested => ({ orderId: refund.orderId, status: 'ignored', purchaseId, refundId: null, amountCents: null, reason });
    if (!(await this.locator.find(merchantId, purchaseId))) return { ...ignored('order not recorded'), purchaseId: null };

    let lines: { lineNo: number; quantity: number }[] | undefined;
    if (refund.lines !== null) {
      const ids = await this.orderLines.of(merchantId, refund.platform, refund.orderId);
      if (!ids) return ignored('the line items of this order were not kept when it was recorded: refund it through the API');
      // Line items the purchase has no line for (given with quantity 0) take nothing back.
      lines = refund.lines.flatMap((l) => (ids.includes(l.lineItemId) ? [{ lineNo: ids.indexOf(l.lineItemId) + 1, quantity: l.quantity }] : []));
      if (lines.length === 0) return ignored('no line item of the purchase is refunded (shipping or an amount only)');
    }
    const refundId = refundIdOf(merchantId, purchaseId, refund.eventKey);
    try {
      const result = await this.commands.execute(
        new RefundPurchaseCommand(
          envelope,
          purchaseId,
          { refundId, storeId: refund.platform, ...(refund.reason ? { reason: refund.reason.slice(0, 200) } : {}), ...(refund.refundedAt ? { refundedAt: refund.refundedAt } : {}), ...(lines ? { lines } : {}) },
          'integration',
        ),
      );
      return { orderId: refund.orderId, status: 'refunded', purchaseId, refundId, amountCents: result.amountCents, reason: null };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'refund-already-recorded') return { orderId: refund.orderId, status: 'already-recorded', purchaseId, refundId, amountCents: null, reason: null };
      if (error.code === 'refund-exceeds-purchase') return ignored(`already refunded: ${error.message}`);
      if (error.code === 'refund-window-closed') return ignored(`past the program's refund window: ${error.message}`);
      throw error;
    }
  }
}

/** The refund's id: the purchase's and the platform event's, or a stable id derived from them when too long. */
function refundIdOf(merchantId: string, purchaseId: string, eventKey: string): string {
  const plain = `${purchaseId}-${eventKey}`;
  return Id.safeParse(plain).success ? plain : externalEntityId('rf', merchantId, plain);
}
