import { customerFolder, decideCustomerOutcome, decisionIds, decisionKey, DomainError, streams, type EventData } from '@relance/domain';
import type { RecordedEvent } from '@relance/event-store';
import type { Clock } from '@relance/platform';
import type { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import type { RuleBook } from './rule-book.js';

/**
 * The bonus points of campaign decisions, granted through the loyalty program's own decider
 * (balances, tiers and automatic rewards follow). A subscription of its own reads back each
 * CampaignTriggered and grants its points before its checkpoint moves past it: at least once, and
 * once in effect, the command's seed being the decision's event id (a second run finds its events).
 */
const GRANT_CONCURRENCY = 8;

export class BonusGrants {
  constructor(
    private readonly runner: StreamCommandRunner,
    private readonly book: RuleBook,
    private readonly clock: Clock,
  ) {}

  /** Grants of different customers run side by side (one stream each); a customer's run in order. */
  async grantFor(events: readonly RecordedEvent[]): Promise<number> {
    const grants = events.filter((e) => {
      if (e.type !== 'CampaignTriggered') return false;
      const data = e.data as EventData<'CampaignTriggered'>;
      return data.actions.bonusPoints !== null && !data.controlGroup;
    });
    let granted = 0;
    let next = 0;
    const worker = async () => {
      while (next < grants.length) if (await this.grant(grants[next++]!)) granted++;
    };
    await Promise.all(Array.from({ length: Math.min(GRANT_CONCURRENCY, grants.length) }, worker));
    return granted;
  }

  private async grant(event: RecordedEvent): Promise<boolean> {
    {
      const data = event.data as EventData<'CampaignTriggered'>;
      const points = data.actions.bonusPoints!;
      const merchantId = event.metadata.merchantId;
      const rules = this.book.forMerchant(merchantId);
      if (!rules) return false;
      const key = decisionKey(merchantId, data.campaignId, { customerId: data.customerId, period: data.trigger.period });
      const { bonusId } = decisionIds(key, event.metadata.occurredAt);
      const program = rules.merchant.program;
      try {
        await this.runner.run({
          streamId: streams.customer(merchantId, data.customerId),
          folder: customerFolder(program.definition),
          // A customer erased or merged away since has nothing to receive.
          decide: (state) =>
            state.status === 'active'
              ? decideCustomerOutcome(
                  { type: 'GrantBonusPoints', data: { bonusId, points, reason: data.trigger.kind === 'challenge' ? 'challenge' : 'bonus', sourceId: data.campaignId } },
                  state,
                  { now: this.clock.now().toISOString(), timeZone: rules.merchant.timeZone, currency: rules.merchant.currency, program },
                )
              : [],
          envelope: {
            merchantId,
            actor: 'system:rules',
            correlationId: event.metadata.correlationId,
            causationId: event.metadata.eventId,
            seed: event.metadata.eventId,
            resumed: true,
          },
          step: 'bonus',
          occurredAt: data.triggeredAt,
        });
        return true;
      } catch (error) {
        // A refusal (the customer closed meanwhile) is final; anything else is retried with the batch.
        if (!(error instanceof DomainError)) throw error;
        return false;
      }
    }
  }
}
