import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { customerFolder, decideCustomerOutcome, DomainError, requireActive, streams, type EventData } from '@relance/domain';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { PurchaseLocator } from '../purchases/purchase-locator.repository.js';
import type { CustomerView } from './customer-view.js';
import { CustomerViews } from './customer-views.js';
import { IdentityReservations } from './identity-reservations.repository.js';

export class MergeCustomersCommand extends Command<CustomerView> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly survivorId: string,
    readonly duplicateId: string,
  ) {
    super();
  }
}

type Merged = EventData<'CustomersMergedV2'>;

/**
 * Two streams, each step idempotent, so that a retry (or a re-execution after a crash) completes a
 * merge that stopped half way: MergeInto closes the duplicate and records what it hands over; if it is
 * already merged into this survivor, that record is read back instead. AbsorbCustomer on the survivor
 * does nothing the second time. Then the duplicate's identities and purchases point at the survivor.
 */
@CommandHandler(MergeCustomersCommand)
export class MergeCustomersHandler implements ICommandHandler<MergeCustomersCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly reservations: IdentityReservations,
    private readonly locator: PurchaseLocator,
    private readonly views: CustomerViews,
  ) {}

  async execute({ envelope, survivorId, duplicateId }: MergeCustomersCommand): Promise<CustomerView> {
    const { merchantId } = envelope;
    if (survivorId === duplicateId) throw new DomainError('merge-not-allowed', 'A customer cannot be merged into itself', { customerId: survivorId });
    const survivorStream = streams.customer(merchantId, survivorId);
    const duplicateStream = streams.customer(merchantId, duplicateId);
    const context = this.contexts.forMerchant(merchantId);
    const folder = customerFolder(context.program.definition);
    // The survivor must be able to absorb before the duplicate is closed for good.
    requireActive((await this.runner.load(survivorStream, folder)).state);

    const merged = await this.closeDuplicate(envelope, survivorId, duplicateStream);
    const absorbed = await this.runner.run({
      streamId: survivorStream,
      folder,
      decide: (state) =>
        decideCustomerOutcome({ type: 'AbsorbCustomer', data: { mergedId: duplicateId, transferred: merged.transferred, mergedAt: merged.mergedAt } }, state, context),
      envelope,
      step: 'absorb',
      occurredAt: merged.mergedAt,
    });
    await this.reservations.moveAll(merchantId, duplicateId, survivorId);
    await this.locator.moveStream(merchantId, duplicateStream, survivorStream);
    return this.views.of(merchantId, requireActive(absorbed.state), context);
  }

  private async closeDuplicate(envelope: CommandEnvelope, survivorId: string, duplicateStream: string): Promise<Merged> {
    const context = this.contexts.forMerchant(envelope.merchantId);
    const folder = customerFolder(context.program.definition);
    try {
      const outcome = await this.runner.run({
        streamId: duplicateStream,
        folder,
        decide: (state) => decideCustomerOutcome({ type: 'MergeInto', data: { survivorId } }, state, context),
        envelope,
        step: 'merge-into',
        occurredAt: context.now,
      });
      const event = outcome.events.find((e) => e.type === 'CustomersMergedV2');
      if (event?.type === 'CustomersMergedV2') return event.data;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'customer-merged' && error.details.survivorId === survivorId)) throw error;
    }
    // Merged into this survivor by an earlier attempt: its hand-over is in the duplicate's stream
    // (read as the current version, whichever version it was stored as).
    const { events } = await this.runner.read(duplicateStream, folder);
    const handOver = events.find((e) => e.type === 'CustomersMergedV2' && (e.data as Merged).role === 'merged');
    if (!handOver) throw new Error(`${duplicateStream} is merged but holds no hand-over`);
    return handOver.data as Merged;
  }
}
