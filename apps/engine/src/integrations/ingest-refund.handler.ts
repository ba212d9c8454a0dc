import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError, Id } from '@relance/domain';
import { z } from 'zod';
import { PurchaseLocator } from '../purchases/purchase-locator.repository.js';
import { RefundPurchaseCommand } from '../purchases/refund-purchase.handler.js';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { externalEntityId } from '../write-path/derived-ids.js';
import { orderPurchaseId } from './shop-order.js';
import { ShopOrderLines } from './shop-order-lines.repository.js';
import type { ShopRefund } from './shop-refund.js';

export const RefundIngestedSchema = z.object({
  orderId: z.string(),
  status: z.enum(['refunded', 'already-recorded', 'ignored']),
  purchaseId: z.string().nullable(),
  refundId: z.string().nullable(),
  amountCents: z.int().nullable(),
  reason: z.string().nullable(),
});
export type RefundIngested = z.infer<typeof RefundIngestedSchema>;

export class IngestRefundCommand extends Command<RefundIngested> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly refund: ShopRefund,
  ) {
    super();
  }
}

/**
 * An e-shop refund or cancellation becomes a refund of the order's purchase. The webhook runs it once
 * per platform event (`webhook:<platform>:refund:<order>:<event>`) through the idempotent executor: a
 * redelivery gets the first answer back. Line items map to the purchase's lines through
 * ShopOrderLines. What cannot be refunded (an order never recorded, one already refunded in full, a
 * refund of shipping only, a refund past the program's window) is acknowledged with the reason, so
 * that the platform does not deliver it again for days.
 */
@CommandHandler(IngestRefundCommand)
export class IngestRefundHandler implements ICommandHandler<IngestRefundCommand> {
  constructor(
    private readonly commands: CommandBus,
    private readonly locator: PurchaseLocator,
    private readonly orderLines: ShopOrderLines,
  ) {}

  async execute({ envelope, refund }: IngestRefundCommand): Promise<RefundIngested> {
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
