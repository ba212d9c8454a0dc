import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { Envelope } from '../http/envelope.decorator.js';
import { CustomerParams } from '../customers/customer.schemas.js';
import { Input, Route, type ValidatedInput } from '../http/route.js';
import { AdjustPointsCommand } from './adjust-points.handler.js';
import { AdjustmentResultSchema, AdjustPointsBody, type AdjustmentResult } from './adjust-points.schemas.js';

/** Manual changes to a customer's points, by the merchant's operators. */
@Controller()
export class PointsController {
  constructor(private readonly commands: CommandBus) {}

  @Route({
    method: 'POST',
    path: '/v1/customers/:customerId/points-adjustments',
    tag: 'points',
    summary: 'Give or take points by hand (a dotation, a goodwill gesture, a correction), with the reason',
    description:
      'Operator (and admin) keys only. Positive points form a lot that expires like points earned today; negative points are debited first-expiring-first and what the balance does not cover is owed (details in `debtPoints`). At most 1,000,000 points either way. 409 `adjustment-already-recorded` for an adjustmentId used before.',
    permission: 'points:adjust',
    status: 201,
    params: CustomerParams,
    body: AdjustPointsBody,
    response: AdjustmentResultSchema,
    errors: [404, 409, 410, 422],
    idempotency: 'key',
  })
  adjust(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<{ customerId: string }, AdjustPointsBody>): Promise<AdjustmentResult> {
    return this.commands.execute(new AdjustPointsCommand(envelope, input.params.customerId, input.body));
  }
}
