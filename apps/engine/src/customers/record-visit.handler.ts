import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { customerFolder, decideCustomerOutcome, streams } from '@relance/domain';
import { z } from 'zod';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { LoyaltyOutcomeSchema, loyaltyOutcome } from '../write-path/loyalty-outcome.js';
import { businessInstant, requireStore } from '../write-path/merchant-checks.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { derivedEntityId } from '../write-path/derived-ids.js';
import type { RecordVisitBody } from './customer.schemas.js';

export const VisitResultSchema = LoyaltyOutcomeSchema.extend({ customerId: z.string(), visitId: z.string() });
export type VisitResult = z.infer<typeof VisitResultSchema>;

export class RecordVisitCommand extends Command<VisitResult> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly customerId: string,
    readonly body: RecordVisitBody,
  ) {
    super();
  }
}

/** VisitRecorded, and the points a visit of its kind earns (within the program's daily cap). */
@CommandHandler(RecordVisitCommand)
export class RecordVisitHandler implements ICommandHandler<RecordVisitCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
  ) {}

  async execute({ envelope, customerId, body }: RecordVisitCommand): Promise<VisitResult> {
    const { merchantId } = envelope;
    if (body.storeId) requireStore(this.contexts.merchant(merchantId), body.storeId);
    const context = this.contexts.forMerchant(merchantId);
    const visitId = body.visitId ?? derivedEntityId('v', envelope.seed);
    const visitedAt = body.visitedAt ? businessInstant(body.visitedAt, 'visitedAt', context) : context.now;
    const outcome = await this.runner.run({
      streamId: streams.customer(merchantId, customerId),
      folder: customerFolder(context.program.definition),
      decide: (state) =>
        decideCustomerOutcome(
          { type: 'RecordVisit', data: { visitId, storeId: body.storeId ?? null, kind: body.kind, eventName: body.eventName ?? null, visitedAt } },
          state,
          context,
        ),
      envelope,
      step: 'visit',
      occurredAt: visitedAt,
    });
    return { customerId, visitId, ...loyaltyOutcome(outcome.events, outcome.state, context.now) };
  }
}
