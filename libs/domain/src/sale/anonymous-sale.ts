import { z } from 'zod';
import type { EventOf } from '../events/catalog.js';
import type { PurchaseRecord } from '../events/loyalty-state.js';
import { PurchaseRecorded } from '../events/purchase.events.js';
import { assertNever, type Decider } from '../shared/decider.js';
import { DomainError } from '../shared/errors.js';
import { RefundPurchase } from '../customer/customer.commands.js';
import type { Program } from '../program/program.schema.js';
import { refundClosesAt } from '../program/refund-window.js';
import { isBefore } from '../shared/instants.js';
import { applyRefund, checkPurchaseArithmetic, purchaseRecordOf } from './purchase-record.js';
import { refundLineAmounts } from './refund-lines.js';

/**
 * An anonymous sale (the POS's "clients divers") on its own stream, sale-<merchantId>.<purchaseId>,
 * so that its refunds have a home. No customer, so no points.
 */
export type AnonymousSaleEvent = EventOf<'PurchaseRecorded' | 'PurchaseRefunded'>;

export type AnonymousSaleState =
  | { readonly status: 'none' }
  | { readonly status: 'recorded'; readonly purchase: PurchaseRecord; readonly refundIds: readonly string[] };

export const RecordAnonymousPurchase = z.strictObject({
  type: z.literal('RecordPurchase'),
  data: PurchaseRecorded.extend({ customerId: z.null() }),
});
export const AnonymousSaleCommand = z.discriminatedUnion('type', [RecordAnonymousPurchase, RefundPurchase]);
export type AnonymousSaleCommand = z.infer<typeof AnonymousSaleCommand>;

/** What a sale's decisions need besides the command: the merchant's zone, currency and program (its refund window). */
export interface SaleContext {
  readonly timeZone: string;
  /** ISO 4217 code of the merchant's currency, the one its purchases were recorded in. */
  readonly currency: string;
  readonly program: { readonly definition: Program };
}

export function evolveAnonymousSale(state: AnonymousSaleState, event: AnonymousSaleEvent): AnonymousSaleState {
  switch (event.type) {
    case 'PurchaseRecorded':
      return state.status === 'none' ? { status: 'recorded', purchase: purchaseRecordOf(event.data), refundIds: [] } : state;
    case 'PurchaseRefunded':
      return state.status === 'recorded'
        ? { status: 'recorded', purchase: applyRefund(state.purchase, event.data), refundIds: [...state.refundIds, event.data.refundId] }
        : state;
    default: {
      const _unhandled: never = event;
      return state;
    }
  }
}

export function decideAnonymousSale(command: AnonymousSaleCommand, state: AnonymousSaleState, context: SaleContext): AnonymousSaleEvent[] {
  switch (command.type) {
    case 'RecordPurchase': {
      if (state.status === 'recorded') {
        throw new DomainError('purchase-already-recorded', `Purchase ${state.purchase.purchaseId} is already recorded`, {
          purchaseId: state.purchase.purchaseId,
        });
      }
      checkPurchaseArithmetic(command.data);
      return [{ type: 'PurchaseRecorded', data: command.data }];
    }
    case 'RefundPurchase': {
      const { purchaseId, refundId, refundedAt, storeId, reason } = command.data;
      if (state.status !== 'recorded' || state.purchase.purchaseId !== purchaseId) {
        throw new DomainError('purchase-not-found', `No anonymous sale ${purchaseId}`, { purchaseId });
      }
      if (state.refundIds.includes(refundId)) {
        throw new DomainError('refund-already-recorded', `Refund ${refundId} is already recorded`, { refundId });
      }
      // The same window as a customer's purchase (see RefundPurchase on the customer decider).
      const closesAt = refundClosesAt(state.purchase.purchasedAt, context.program.definition.refunds.windowDays, context.timeZone);
      if (!isBefore(refundedAt, closesAt)) {
        throw new DomainError('refund-window-closed', `Purchase ${purchaseId} could be refunded until ${closesAt}`, { purchaseId, closedAt: closesAt });
      }
      const lines = refundLineAmounts(state.purchase, command.data.lines);
      const amountCents = lines.reduce((sum, line) => sum + line.amountCents, 0);
      return [
        { type: 'PurchaseRefunded', data: { purchaseId, refundId, customerId: null, storeId, currency: context.currency, lines, amountCents, reason, refundedAt } },
      ];
    }
    default:
      return assertNever(command, 'anonymous sale command');
  }
}

export const anonymousSaleDecider: Decider<AnonymousSaleState, AnonymousSaleCommand, AnonymousSaleEvent, SaleContext> = {
  initialState: () => ({ status: 'none' }),
  evolve: evolveAnonymousSale,
  decide: decideAnonymousSale,
};
