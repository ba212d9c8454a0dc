import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { customerFolder, decideCustomerOutcome, DomainError, requireActive, streams, type CustomerCommandOf } from '@relance/domain';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { requirePlausibleBirthDate, requireStore } from '../write-path/merchant-checks.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { CustomerIdentities, identitiesOf } from './customer-identities.js';
import type { CustomerView } from './customer-view.js';
import { CustomerViews } from './customer-views.js';
import type { UpdateCustomerBody } from './customer.schemas.js';
import type { Identity } from './identity-reservations.repository.js';
import { changedFields, clearProfileOf, EMPTY_PROFILE, ProfileVault, type ClearProfile } from './profile-vault.js';

export class UpdateCustomerCommand extends Command<CustomerView> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly customerId: string,
    readonly body: UpdateCustomerBody,
  ) {
    super();
  }
}

/**
 * Opens the current profile, applies the change, seals the result and appends CustomerProfileUpdated
 * naming the fields that changed. A new email or phone is reserved first; the old ones are released
 * once the change is recorded.
 */
@CommandHandler(UpdateCustomerCommand)
export class UpdateCustomerHandler implements ICommandHandler<UpdateCustomerCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly vault: ProfileVault,
    private readonly identities: CustomerIdentities,
    private readonly views: CustomerViews,
  ) {}

  async execute({ envelope, customerId, body }: UpdateCustomerCommand): Promise<CustomerView> {
    const { merchantId } = envelope;
    if (body.storeId) requireStore(this.contexts.merchant(merchantId), body.storeId);
    const context = this.contexts.forMerchant(merchantId);
    requirePlausibleBirthDate(body.profile?.birthDate, 'profile.birthDate', context);
    let after: ClearProfile = EMPTY_PROFILE;
    let reserved: Identity[] = [];
    let previous: Identity[] = [];
    try {
      const outcome = await this.runner.run({
        streamId: streams.customer(merchantId, customerId),
        folder: customerFolder(context.program.definition),
        decide: async (state) => {
          const current = requireActive(state);
          previous = identitiesOf(current.identityKeys);
          const before = (await this.vault.open(merchantId, customerId, current.profile)) ?? EMPTY_PROFILE;
          after = body.profile ? clearProfileOf(body.profile, before) : before;
          const fields = changedFields(before, after);
          const identityKeys = this.vault.identityKeys(merchantId, after);
          reserved = [...reserved, ...(await this.identities.claim(merchantId, customerId, identityKeys))];
          const command: CustomerCommandOf<'UpdateProfile'> = {
            type: 'UpdateProfile',
            data: {
              ...(body.type === undefined ? {} : { customerType: body.type }),
              ...(body.businessCategory === undefined ? {} : { businessCategory: body.businessCategory }),
              ...(body.storeId === undefined ? {} : { storeId: body.storeId }),
              ...(body.locale === undefined ? {} : { locale: body.locale }),
              ...(fields.length > 0 ? { profile: await this.vault.seal(merchantId, customerId, after), identityKeys } : {}),
              changedFields: fields,
            },
          };
          return decideCustomerOutcome(command, state, context);
        },
        envelope,
        step: 'update',
        occurredAt: context.now,
      });
      const state = requireActive(outcome.state);
      const kept = new Set(identitiesOf(state.identityKeys).map((i) => i.hash));
      await this.identities.release(merchantId, customerId, previous.filter((i) => !kept.has(i.hash)));
      return this.views.of(merchantId, state, context, outcome.recovered ? undefined : after);
    } catch (error) {
      if (error instanceof DomainError) await this.identities.release(merchantId, customerId, reserved).catch(() => undefined);
      throw error;
    }
  }
}
