import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { Envelope } from '../http/envelope.decorator.js';
import { Input, Route, type ValidatedInput } from '../http/route.js';
import { ChangeConsentCommand, ConsentStatusSchema, type ConsentStatusView } from './change-consent.handler.js';
import {
  CustomerParams,
  GrantConsentBody,
  RecordVisitBody,
  RedeemRewardBody,
  WithdrawConsentBody,
} from './customer.schemas.js';
import { RecordVisitCommand, VisitResultSchema, type VisitResult } from './record-visit.handler.js';
import { RedeemRewardCommand, RedemptionResultSchema, type RedemptionResult } from './redeem-reward.handler.js';

type Params = { customerId: string };

/** Consents, visits and reward redemptions of one customer. */
@Controller()
export class CustomerActivityController {
  constructor(private readonly commands: CommandBus) {}

  @Route({
    method: 'POST',
    path: '/v1/customers/:customerId/consents/grant',
    tag: 'consents',
    summary: 'Record a consent for a channel and purpose, with its source and proof',
    permission: 'consents:write',
    status: 200,
    params: CustomerParams,
    body: GrantConsentBody,
    response: ConsentStatusSchema,
    errors: [404, 409, 410],
    idempotency: 'key',
  })
  grant(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<Params, GrantConsentBody>): Promise<ConsentStatusView> {
    return this.commands.execute(new ChangeConsentCommand(envelope, input.params.customerId, { action: 'grant', body: input.body }));
  }

  @Route({
    method: 'POST',
    path: '/v1/customers/:customerId/consents/withdraw',
    tag: 'consents',
    summary: 'Record the withdrawal of a consent (it wins at once, including for messages already queued)',
    permission: 'consents:write',
    status: 200,
    params: CustomerParams,
    body: WithdrawConsentBody,
    response: ConsentStatusSchema,
    errors: [404, 409, 410],
    idempotency: 'key',
  })
  withdraw(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<Params, WithdrawConsentBody>): Promise<ConsentStatusView> {
    return this.commands.execute(new ChangeConsentCommand(envelope, input.params.customerId, { action: 'withdraw', body: input.body }));
  }

  @Route({
    method: 'POST',
    path: '/v1/customers/:customerId/visits',
    tag: 'visits',
    summary: 'Record a visit (store, tasting event, web) and the points it earns',
    permission: 'visits:write',
    status: 201,
    params: CustomerParams,
    body: RecordVisitBody,
    response: VisitResultSchema,
    errors: [404, 409, 410],
    idempotency: 'key',
  })
  visit(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<Params, RecordVisitBody>): Promise<VisitResult> {
    return this.commands.execute(new RecordVisitCommand(envelope, input.params.customerId, input.body));
  }

  @Route({
    method: 'POST',
    path: '/v1/customers/:customerId/redemptions',
    tag: 'rewards',
    summary: 'Burn points for a reward of the program',
    description: '422 `insufficient-points` with details.balance and details.required when the balance is short; 422 `reward-not-usable` when the tier does not allow it.',
    permission: 'rewards:redeem',
    status: 201,
    params: CustomerParams,
    body: RedeemRewardBody,
    response: RedemptionResultSchema,
    errors: [404, 409, 410, 422],
    idempotency: 'key',
  })
  redeem(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<Params, RedeemRewardBody>): Promise<RedemptionResult> {
    return this.commands.execute(new RedeemRewardCommand(envelope, input.params.customerId, input.body));
  }
}
