import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { customerFolder, decideCustomerOutcome, streams } from '@relance/domain';
import { z } from 'zod';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { loyaltyOutcome, RewardIssuedSchema } from '../write-path/loyalty-outcome.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { derivedEntityId } from '../write-path/derived-ids.js';
import type { RedeemRewardBody } from './customer.schemas.js';

export const RedemptionResultSchema = z.object({
  customerId: z.string(),
  redemptionId: z.string(),
  reward: RewardIssuedSchema,
  pointsSpent: z.int(),
  balance: z.int(),
});
export type RedemptionResult = z.infer<typeof RedemptionResultSchema>;

export class RedeemRewardCommand extends Command<RedemptionResult> {
  constructor(
    readonly envelope: CommandEnvelope,
    readonly customerId: string,
    readonly body: RedeemRewardBody,
  ) {
    super();
  }
}

/** PointsRedeemed + RewardIssued; refused with 422 (balance and required) when the points are short. */
@CommandHandler(RedeemRewardCommand)
export class RedeemRewardHandler implements ICommandHandler<RedeemRewardCommand> {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
  ) {}

  async execute({ envelope, customerId, body }: RedeemRewardCommand): Promise<RedemptionResult> {
    const { merchantId } = envelope;
    const context = this.contexts.forMerchant(merchantId);
    const redemptionId = body.redemptionId ?? derivedEntityId('rd', envelope.seed);
    const outcome = await this.runner.run({
      streamId: streams.customer(merchantId, customerId),
      folder: customerFolder(context.program.definition),
      decide: (state) => decideCustomerOutcome({ type: 'RedeemReward', data: { redemptionId, rewardCode: body.rewardCode } }, state, context),
      envelope,
      step: 'redeem',
      occurredAt: context.now,
    });
    const result = loyaltyOutcome(outcome.events, outcome.state, context.now);
    const reward = result.rewardsIssued.find((r) => r.rewardId === redemptionId)!;
    const spent = outcome.events.find((e) => e.type === 'PointsRedeemed' && e.data.redemptionId === redemptionId);
    return { customerId, redemptionId, reward, pointsSpent: spent?.type === 'PointsRedeemed' ? spent.data.points : 0, balance: result.balance };
  }
}
