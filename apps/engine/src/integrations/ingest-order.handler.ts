import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@relance/domain';
import { z } from 'zod';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { EnrolCustomerCommand } from '../customers/enrol-customer.handler.js';
import { IdentityReservations } from '../customers/identity-reservations.repository.js';
import { normalisePhone } from '../customers/identity.js';
import { ProfileVault } from '../customers/profile-vault.js';
import { ApiError } from '../write-path/application-errors.js';
import type { RecordPurchaseBody } from '../purchases/purchase.schemas.js';
import { RecordPurchaseCommand } from '../purchases/record-purchase.handler.js';
import { externalEntityId } from '../write-path/derived-ids.js';
import { ShopOrderLines } from './shop-order-lines.repository.js';
import type { ShopOrder } from './shop-order.js';

export const OrderIngestedSchema = z.object({
  orderId: z.string(),
  status: z.enum(['recorded', 'already-recorded', 'ignored']),
  purchaseId: z.string().nullable(),
  customerId: z.string().nullable(),
  reason: z.string().nullable(),
});
export type OrderIngested = z.infer<typeof OrderIngestedSchema>;

export class IngestOrderCommand extends Command<OrderIngested> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly order: ShopOrder,
    /** The purchase it records, already checked (`purchaseOfOrder`); null for an order that records none. */
    readonly purchase: RecordPurchaseBody | null,
  ) {
    super();
  }
}

/**
 * An e-shop order becomes a purchase. The buyer is found by the blind index of their email, or
 * enrolled (with an email marketing consent only when the platform says they accepted it); without an
 * email the order is an anonymous sale. Platforms redeliver: the webhook runs this once per order id
 * through the idempotent executor, and the purchase id derived from the order keeps a purchase from
 * being recorded twice even so.
 */
@CommandHandler(IngestOrderCommand)
export class IngestOrderHandler implements ICommandHandler<IngestOrderCommand> {
  constructor(
    private readonly commands: CommandBus,
    private readonly reservations: IdentityReservations,
    private readonly vault: ProfileVault,
    private readonly orderLines: ShopOrderLines,
    private readonly contexts: DecisionContexts,
  ) {}

  async execute({ envelope, order, purchase }: IngestOrderCommand): Promise<OrderIngested> {
    const base = { orderId: order.orderId, purchaseId: null, customerId: null };
    if (order.ignoredBecause) return { ...base, status: 'ignored', reason: order.ignoredBecause };
    const currency = this.contexts.merchant(envelope.merchantId).currency;
    if (order.currency !== currency) {
      throw new ApiError(422, 'unsupported-currency', `Only ${currency} orders are recorded, the merchant's currency (this one is in ${order.currency})`, { currency: order.currency });
    }
    if (order.lines.length === 0 || purchase === null) return { ...base, status: 'ignored', reason: 'no line with a quantity' };
    const customerId = await this.buyer(envelope, order);
    const purchaseId = purchase.purchaseId!;
    // Before the purchase: once it is recorded, a refund of it may come at any time.
    await this.orderLines.remember(envelope.merchantId, order.platform, order.orderId, order.lineItemIds);
    try {
      await this.commands.execute(new RecordPurchaseCommand(envelope, { ...purchase, customerId }, 'integration'));
      return { ...base, status: 'recorded', purchaseId, customerId, reason: null };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'purchase-already-recorded') {
        return { ...base, status: 'already-recorded', purchaseId, customerId, reason: null };
      }
      throw error;
    }
  }

  /** The customer with the order's email, enrolled if there is none; null without an email. */
  private async buyer(envelope: CommandEnvelope, order: ShopOrder): Promise<string | null> {
    const { buyer } = order;
    if (!buyer.email) return null;
    const keys = this.vault.identityKeys(envelope.merchantId, { email: buyer.email.toLowerCase(), phone: null });
    const existing = await this.reservations.owner(envelope.merchantId, { kind: 'email', hash: keys.email! });
    if (existing) return existing;
    const customerId = externalEntityId(order.platform === 'shopify' ? 'sh' : 'wc', envelope.merchantId, keys.email!);
    const phone = buyer.phone && normalisePhone(buyer.phone) ? buyer.phone : undefined;
    try {
      await this.commands.execute(
        new EnrolCustomerCommand(envelope, {
          customerId,
          type: 'b2c',
          ...(buyer.externalId ? { externalId: `${order.platform}:${buyer.externalId}` } : {}),
          source: order.platform,
          profile: {
            ...(buyer.firstName ? { firstName: buyer.firstName } : {}),
            ...(buyer.lastName ? { lastName: buyer.lastName } : {}),
            email: buyer.email,
            ...(phone ? { phone } : {}),
          },
          consents: buyer.acceptsMarketing
            ? [{ channel: 'email', purpose: 'marketing', source: order.platform, proof: { providerReference: `order:${order.orderId}` } }]
            : [],
        }),
      );
      return customerId;
    } catch (error) {
      // Another order of the same buyer enrolled them first.
      if (error instanceof ApiError && error.code === 'duplicate-identity' && typeof error.details.customerId === 'string') return error.details.customerId;
      if (error instanceof DomainError && error.code === 'customer-already-enrolled') return customerId;
      throw error;
    }
  }
}
