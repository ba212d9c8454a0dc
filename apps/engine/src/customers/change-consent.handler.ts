import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { customerFolder, decideCustomerOutcome, requireActive, streams, type CustomerCommandOf } from '@relance/domain';
import { z } from 'zod';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { businessInstant } from '../write-path/merchant-checks.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import type { GrantConsentBody, WithdrawConsentBody } from './customer.schemas.js';
import { ProfileVault } from './profile-vault.js';
import { sealProof } from './seal-proof.js';

export const ConsentStatusSchema = z.object({
  customerId: z.string(),
  channel: z.string(),
  purpose: z.string(),
  granted: z.boolean(),
  source: z.string(),
  changedAt: z.iso.datetime(),
});
export type ConsentStatusView = z.infer<typeof ConsentStatusSchema>;

export type ConsentChange = { readonly action: 'grant'; readonly body: GrantConsentBody } | { readonly action: 'withdraw'; readonly body: WithdrawConsentBody };

export class ChangeConsentCommand extends Command<ConsentStatusView> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly customerId: string,
    readonly change: ConsentChange,
  ) {
    super();
  }
}

/** ConsentGranted / ConsentWithdrawn with its source and proof (the IP address sealed). */
@CommandHandler(ChangeConsentCommand)
export class ChangeConsentHandler implements ICommandHandler<ChangeConsentCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly vault: ProfileVault,
  ) {}

  async execute({ envelope, customerId, change }: ChangeConsentCommand): Promise<ConsentStatusView> {
    const { merchantId } = envelope;
    const context = this.contexts.forMerchant(merchantId);
    const { channel, purpose, source } = change.body;
    const given = change.action === 'grant' ? change.body.grantedAt : change.body.withdrawnAt;
    const at = given ? businessInstant(given, change.action === 'grant' ? 'grantedAt' : 'withdrawnAt', context) : undefined;
    const proof = await sealProof(this.vault, merchantId, customerId, change.body.proof);
    const command: CustomerCommandOf<'GrantConsent'> | CustomerCommandOf<'WithdrawConsent'> =
      change.action === 'grant'
        ? { type: 'GrantConsent', data: { channel, purpose, source, proof, ...(at ? { grantedAt: at } : {}) } }
        : { type: 'WithdrawConsent', data: { channel, purpose, source, proof, reason: change.body.reason ?? null, ...(at ? { withdrawnAt: at } : {}) } };
    const outcome = await this.runner.run({
      streamId: streams.customer(merchantId, customerId),
      folder: customerFolder(context.program.definition),
      decide: (state) => decideCustomerOutcome(command, state, context),
      envelope,
      step: 'consent',
      occurredAt: at ?? context.now,
    });
    const status = requireActive(outcome.state).consents.find((c) => c.channel === channel && c.purpose === purpose)!;
    return { customerId, ...status };
  }
}
