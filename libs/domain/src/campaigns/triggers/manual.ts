import type { CampaignDefinition } from '../config/campaign.schema.js';
import type { TriggerOccurrence } from './occurrence.js';

/** An operator's confirmed launch of an on-demand campaign: every customer of its audience, once per launch. */
export interface Launch {
  readonly launchId: string;
  readonly launchedAt: string;
}

export function manualOccurrence(definition: CampaignDefinition, customerId: string, launch: Launch): TriggerOccurrence {
  if (definition.trigger.type !== 'manual') throw new TypeError(`Campaign ${definition.id} is not launched on demand`);
  return {
    kind: 'manual',
    type: 'manual',
    customerId,
    eventId: null,
    eventType: null,
    schedule: null,
    period: launch.launchId,
    description: `launch ${launch.launchId}`,
    at: launch.launchedAt,
    facts: { launchId: launch.launchId },
  };
}
