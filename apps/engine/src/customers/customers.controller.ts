import { Controller } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import type { Principal } from '../auth/permissions.js';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { Envelope } from '../http/envelope.decorator.js';
import { Input, Route, type ValidatedInput } from '../http/route.js';
import { CustomerViewSchema, MergedCustomerSchema, viewedCustomer, type CustomerView } from './customer-view.js';
import { CustomerParams, EnrolCustomerBody, MergeCustomersBody, UpdateCustomerBody } from './customer.schemas.js';
import { EnrolCustomerCommand } from './enrol-customer.handler.js';
import { GetCustomerQuery, type CustomerLookup } from './get-customer.handler.js';
import { MergeCustomersCommand } from './merge-customers.handler.js';
import { UpdateCustomerCommand } from './update-customer.handler.js';

type Params = { customerId: string };

@Controller()
export class CustomersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Route({
    method: 'POST',
    path: '/v1/customers',
    tag: 'customers',
    summary: 'Enrol a customer (B2C, or B2B with a business category), with optional initial consents',
    description:
      'Personal data is sealed with the customer’s own key before it enters any event or read model. 409 `duplicate-identity` when the email or phone belongs to another customer of the merchant (details.customerId). 410 for a retry (same Idempotency-Key) once the customer was erased: the first answer showed their profile and went with their key.',
    permission: 'customers:write',
    status: 201,
    body: EnrolCustomerBody,
    response: CustomerViewSchema,
    errors: [409, 410, 422],
    idempotency: 'key',
    responseOwner: viewedCustomer,
  })
  enrol(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<unknown, EnrolCustomerBody>): Promise<CustomerView> {
    return this.commands.execute(new EnrolCustomerCommand(envelope, input.body));
  }

  @Route({
    method: 'GET',
    path: '/v1/customers/:customerId',
    tag: 'customers',
    summary: 'A customer: profile, points and lots, tier, rewards, consents and RFM segment',
    description: 'A merged customer answers `{ status: "merged", survivorId }`. Reads by support and admin keys are audited.',
    permission: 'customers:read',
    status: 200,
    params: CustomerParams,
    response: CustomerViewSchema.or(MergedCustomerSchema),
    errors: [404, 410],
    idempotency: 'none',
  })
  get(@CurrentPrincipal() principal: Principal, @Input() input: ValidatedInput<Params>): Promise<CustomerLookup> {
    return this.queries.execute(new GetCustomerQuery(principal, input.params.customerId));
  }

  @Route({
    method: 'PATCH',
    path: '/v1/customers/:customerId',
    tag: 'customers',
    summary: 'Update a customer’s profile (omitted fields are kept, null erases)',
    permission: 'customers:write',
    status: 200,
    params: CustomerParams,
    body: UpdateCustomerBody,
    response: CustomerViewSchema,
    errors: [404, 409, 410, 422],
    idempotency: 'key',
    responseOwner: viewedCustomer,
  })
  update(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<Params, UpdateCustomerBody>): Promise<CustomerView> {
    return this.commands.execute(new UpdateCustomerCommand(envelope, input.params.customerId, input.body));
  }

  @Route({
    method: 'POST',
    path: '/v1/customers/:customerId/merge',
    tag: 'customers',
    summary: 'Merge a duplicate into this customer (points, purchases, rewards and identities move over)',
    permission: 'customers:merge',
    status: 200,
    params: CustomerParams,
    body: MergeCustomersBody,
    response: CustomerViewSchema,
    errors: [404, 409, 410, 422],
    idempotency: 'key',
    responseOwner: viewedCustomer,
  })
  merge(@Envelope() envelope: CommandEnvelope, @Input() input: ValidatedInput<Params, { duplicateId: string }>): Promise<CustomerView> {
    return this.commands.execute(new MergeCustomersCommand(envelope, input.params.customerId, input.body.duplicateId));
  }
}
