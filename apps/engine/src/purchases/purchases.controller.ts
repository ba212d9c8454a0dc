import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { Envelope } from '../http/envelope.decorator.js';
import { Input, Route, type ValidatedInput } from '../http/route.js';
import { PurchaseParams, PurchaseResultSchema, RecordPurchaseBody, RefundBody, RefundResultSchema } from './purchase.schemas.js';
import { RecordPurchaseCommand, type PurchaseResult } from './record-purchase.handler.js';
import { RefundPurchaseCommand, type RefundResult } from './refund-purchase.handler.js';

@Controller()
export class PurchasesController {
  constructor(private readonly commands: CommandBus) {}

  @Route({
    method: 'POST',
    path: '/v1/purchases',
    tag: 'purchases',
    summary: 'Record a purchase, with the points, tier change and rewards it causes; anonymous without customerId',
    description: 'Money in integer minor units of the merchant\'s currency (cents for EUR, yen for JPY); a purchase in another currency is refused. Line totals are quantity × unitPriceCents − discountCents.',
    permission: 'purchases:write',
    status: 201,
    body: RecordPurchaseBody,
    response: PurchaseResultSchema,
    errors: [404, 409, 410, 422],
    idempotency: 'key',
  })
  record(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<unknown, RecordPurchaseBody>): Promise<PurchaseResult> {
    return this.commands.execute(new RecordPurchaseCommand(envelope, input.body));
  }

  @Route({
    method: 'POST',
    path: '/v1/purchases/:purchaseId/refunds',
    tag: 'purchases',
    summary: 'Refund a purchase in whole or per line; its points are taken back',
    permission: 'purchases:write',
    status: 201,
    params: PurchaseParams,
    body: RefundBody,
    response: RefundResultSchema,
    errors: [404, 409, 410, 422],
    idempotency: 'key',
  })
  refund(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<{ purchaseId: string }, RefundBody>): Promise<RefundResult> {
    return this.commands.execute(new RefundPurchaseCommand(envelope, input.params.purchaseId, input.body));
  }
}
