import { instantAtLocalTime, isTimeTrigger, localDateOf, manualOccurrence, timeOccurrence, type CompiledCampaign, type Launch } from '@relance/domain';
import type pg from 'pg';
import type { Candidate } from './evaluation.js';
import type { MerchantRules } from './rule-book.js';
import { timeRuleHits } from './time-rules.sql.js';

export class NotPreviewable extends Error {}

/**
 * The candidates of a time or on-demand campaign at an instant: a time rule's customers on that
 * local day (one query), or every active customer of the merchant for a launch. Event-triggered
 * campaigns are decided per event: there is no audience to list before the events happen.
 */
export async function audienceCandidates(db: pg.Pool | pg.PoolClient, rules: MerchantRules, campaign: CompiledCampaign, at: string, launch: Launch | null): Promise<Candidate[]> {
  const { merchant } = rules;
  const trigger = campaign.definition.trigger;
  if (trigger.type === 'manual') {
    const { rows } = await db.query<{ customer_id: string }>(`SELECT customer_id FROM customers WHERE merchant_id = $1 AND status = 'active' ORDER BY customer_id`, [merchant.id]);
    const occasion: Launch = launch ?? { launchId: 'dry-run', launchedAt: at };
    return rows.map((r) => ({ campaign, occurrence: manualOccurrence(campaign.definition, r.customer_id, occasion) }));
  }
  if (isTimeTrigger(trigger)) {
    const day = localDateOf(at, merchant.timeZone);
    const hits = await timeRuleHits(db, merchant.id, merchant.timeZone, trigger, [day], day);
    return hits.map((hit) => ({ campaign, occurrence: timeOccurrence(campaign.definition, hit, merchant.timeZone) }));
  }
  throw new NotPreviewable(`campaign ${campaign.definition.id} is triggered by ${trigger.type} events: it is decided per event, not over an audience listed in advance (dry-run and launch take time and on-demand campaigns)`);
}

/** The instant a time campaign fires on a local day (its `at`), or that day's start for others. */
export function firingInstant(campaign: CompiledCampaign, day: string, timeZone: string): string {
  const trigger = campaign.definition.trigger;
  return instantAtLocalTime(day, 'at' in trigger ? trigger.at : '00:00', timeZone);
}
