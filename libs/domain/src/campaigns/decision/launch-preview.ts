import type { EventData } from '../../events/catalog.js';
import { CHANNELS, type Channel } from '../../events/primitives.js';
import { roundMilliMinor } from '../config/campaign-merchant.js';
import type { CampaignDecision } from './decide-campaign.js';

/** What an on-demand launch would do, from its decisions taken without appending them: the preview an operator confirms. */
export interface LaunchPreview {
  /** Customers who would be targeted (control-group members excluded). */
  readonly audienceCount: number;
  readonly controlGroupCount: number;
  readonly suppressedCount: number;
  /** Suppressions per reason, for the preview's breakdown. */
  readonly suppressedBy: Readonly<Record<string, number>>;
  readonly estimates: readonly { readonly channel: Channel; readonly messages: number; readonly costCents: number }[];
  readonly estimatedCostCents: number;
}

export function launchPreview(decisions: readonly CampaignDecision[]): LaunchPreview {
  const suppressedBy: Record<string, number> = {};
  const perChannel = new Map<Channel, { messages: number; milliMinor: number }>();
  let audienceCount = 0;
  let controlGroupCount = 0;
  for (const d of decisions) {
    if (d.outcome === 'suppressed') suppressedBy[d.reason ?? 'unknown'] = (suppressedBy[d.reason ?? 'unknown'] ?? 0) + 1;
    else if (d.outcome === 'control-group') controlGroupCount++;
    else audienceCount++;
    if (d.message) {
      const current = perChannel.get(d.message.channel) ?? { messages: 0, milliMinor: 0 };
      perChannel.set(d.message.channel, { messages: current.messages + 1, milliMinor: current.milliMinor + d.costMilliMinor });
    }
  }
  // Summed exactly, rounded once: 10,000 emails at a tenth of a cent are 10 euros, not 0.
  const estimates = CHANNELS.filter((c) => perChannel.has(c)).map((channel) => {
    const { messages, milliMinor } = perChannel.get(channel)!;
    return { channel, messages, costCents: roundMilliMinor(milliMinor) };
  });
  return {
    audienceCount,
    controlGroupCount,
    suppressedCount: decisions.length - audienceCount - controlGroupCount,
    suppressedBy,
    estimates,
    estimatedCostCents: roundMilliMinor([...perChannel.values()].reduce((sum, e) => sum + e.milliMinor, 0)),
  };
}

/** The CampaignLaunched event of a confirmed launch, from the preview the operator confirmed. */
export function campaignLaunched(
  preview: LaunchPreview,
  launch: { campaignId: string; ruleVersion: string; launchId: string; confirmedBy: string; launchedAt: string; currency: string },
): EventData<'CampaignLaunched'> {
  return {
    ...launch,
    audienceCount: preview.audienceCount,
    controlGroupCount: preview.controlGroupCount,
    suppressedCount: preview.suppressedCount,
    estimates: preview.estimates.map((e) => ({ ...e })),
    estimatedCostCents: preview.estimatedCostCents,
  };
}
