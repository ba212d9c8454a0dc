import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { customerFolder, decideCustomerOutcome, DomainError, requireActive, streams, type CustomerCommandOf } from '@relance/domain';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { businessInstant, requirePlausibleBirthDate, requireStore } from '../write-path/merchant-checks.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { derivedEntityId } from '../write-path/derived-ids.js';
import { CustomerIdentities } from './customer-identities.js';
import { customerView, type CustomerView } from './customer-view.js';
import type { EnrolCustomerBody } from './customer.schemas.js';
import { clearProfileOf, ProfileVault } from './profile-vault.js';
import { sealProof } from './seal-proof.js';

export class EnrolCustomerCommand extends Command<CustomerView> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly body: EnrolCustomerBody,
  ) {
    super();
  }
}

/** Reserve the identities, seal the profile, append CustomerEnrolled (+ consents, first tier). */
@CommandHandler(EnrolCustomerCommand)
export class EnrolCustomerHandler implements ICommandHandler<EnrolCustomerCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly vault: ProfileVault,
    private readonly identities: CustomerIdentities,
  ) {}

  async execute({ envelope, body }: EnrolCustomerCommand): Promise<CustomerView> {
    const { merchantId } = envelope;
    const merchant = this.contexts.merchant(merchantId);
    if (body.storeId) requireStore(merchant, body.storeId);
    const context = this.contexts.forMerchant(merchantId);
    requirePlausibleBirthDate(body.profile.birthDate, 'profile.birthDate', context);
    const enrolledAt = body.enrolledAt ? businessInstant(body.enrolledAt, 'enrolledAt', context) : undefined;
    const customerId = body.customerId ?? derivedEntityId('c', envelope.seed);
    const profile = clearProfileOf(body.profile);
    const identityKeys = this.vault.identityKeys(merchantId, profile);
    const reserved = await this.identities.claim(merchantId, customerId, identityKeys);
    try {
      const sealed = await this.vault.seal(merchantId, customerId, profile);
      const consents = await Promise.all(
        body.consents.map(async (c, i) => ({ ...c, proof: await sealProof(this.vault, merchantId, customerId, c.proof, `consents[${i}].proof`) })),
      );
      const command: CustomerCommandOf<'EnrolCustomer'> = {
        type: 'EnrolCustomer',
        data: {
          customerId,
          customerType: body.type,
          businessCategory: body.businessCategory ?? null,
          storeId: body.storeId ?? null,
          externalId: body.externalId ?? null,
          locale: body.locale ?? merchant.locale,
          profile: sealed,
          identityKeys,
          source: body.source,
          consents,
          ...(enrolledAt ? { enrolledAt } : {}),
        },
      };
      const outcome = await this.runner.run({
        streamId: streams.customer(merchantId, customerId),
        folder: customerFolder(context.program.definition),
        decide: (state) => decideCustomerOutcome(command, state, context),
        envelope,
        step: 'enrol',
        occurredAt: enrolledAt ?? context.now,
      });
      return customerView(requireActive(outcome.state), context, profile, null);
    } catch (error) {
      // Refused by the decider: nothing was appended. Any other failure may have come after the append,
      // so the reservations stay (a retry needs them; a ghost's are taken over once stale).
      if (error instanceof DomainError) await this.identities.release(merchantId, customerId, reserved).catch(() => undefined);
      throw error;
    }
  }
}
