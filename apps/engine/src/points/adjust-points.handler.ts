import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { customerFolder, decideCustomerOutcome, streams, type CustomerCommandOf } from '@relance/domain';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { loyaltyOutcome } from '../write-path/loyalty-outcome.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { derivedEntityId } from '../write-path/derived-ids.js';
import type { AdjustmentResult, AdjustPointsBody } from './adjust-points.schemas.js';

export class AdjustPointsCommand extends Command<AdjustmentResult> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly customerId: string,
    readonly body: AdjustPointsBody,
  ) {
    super();
  }
}

/**
 * PointsAdjusted on the customer's stream: a positive adjustment forms a lot that expires like points
 * earned today (and may issue the automatic reward), a negative one is debited first-expiring-first,
 * the rest owed. The reason in words is the event's note; the actor (the operator's key) is in its
 * metadata.
 */
@CommandHandler(AdjustPointsCommand)
export class AdjustPointsHandler implements ICommandHandler<AdjustPointsCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
  ) {}

  async execute({ envelope, customerId, body }: AdjustPointsCommand): Promise<AdjustmentResult> {
    const context = this.contexts.forMerchant(envelope.merchantId);
    const adjustmentId = body.adjustmentId ?? derivedEntityId('adj', envelope.seed);
    const command: CustomerCommandOf<'AdjustPoints'> = {
      type: 'AdjustPoints',
      data: { adjustmentId, points: body.points, reason: body.kind, sourceId: body.sourceId ?? null, note: body.reason },
    };
    const outcome = await this.runner.run({
      streamId: streams.customer(envelope.merchantId, customerId),
      folder: customerFolder(context.program.definition),
      decide: (state) => decideCustomerOutcome(command, state, context),
      envelope,
      step: 'adjust',
      occurredAt: context.now,
    });
    const adjusted = outcome.events.find((e) => e.type === 'PointsAdjusted' && e.data.adjustmentId === adjustmentId);
    const result = loyaltyOutcome(outcome.events, outcome.state, context.now);
    return {
      customerId,
      adjustmentId,
      points: body.points,
      debtPoints: adjusted?.type === 'PointsAdjusted' ? adjusted.data.debtPoints : 0,
      balance: result.balance,
      tier: result.tier,
      rewardsIssued: result.rewardsIssued.map(({ rewardId, rewardCode, name }) => ({ rewardId, rewardCode, name })),
    };
  }
}
