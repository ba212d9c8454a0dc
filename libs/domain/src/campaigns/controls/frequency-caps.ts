import type { Channel } from '../../events/primitives.js';
import type { FrequencyCap } from '../config/campaign.schema.js';

/** A marketing message queued for the customer (by any campaign): what frequency caps count. */
export interface ContactRecord {
  readonly campaignId: string;
  readonly channel: Channel;
  /** When it was decided. */
  readonly at: string;
}

export interface CapEvaluation {
  readonly cap: FrequencyCap;
  /** Messages already in the window (on the cap's channel, or on all). */
  readonly count: number;
  readonly passed: boolean;
  /** The campaigns of those messages, most recent first. */
  readonly campaigns: readonly string[];
}

const DAY_MS = 86_400_000;

/**
 * The caps for a message on `channel` (the caps of that channel), or for the customer across all
 * channels (`channel` null: the caps without a channel). A cap of 2 in 7 days passes while fewer than
 * 2 messages were queued in the 7 × 24 hours before `now`.
 */
export function evaluateCaps(caps: readonly FrequencyCap[], history: readonly ContactRecord[], now: string, channel: Channel | null): CapEvaluation[] {
  const nowMs = Date.parse(now);
  return caps
    .filter((cap) => cap.channel === channel)
    .map((cap) => {
      const since = nowMs - cap.days * DAY_MS;
      const inWindow = history
        .filter((m) => (channel === null || m.channel === channel) && Date.parse(m.at) > since)
        .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
      return { cap, count: inWindow.length, passed: inWindow.length < cap.max, campaigns: [...new Set(inWindow.map((m) => m.campaignId))] };
    });
}

export function describeCap(evaluation: CapEvaluation): string {
  const { cap, count, campaigns } = evaluation;
  const on = cap.channel === null ? 'marketing messages' : `${cap.channel} marketing messages`;
  const by = campaigns.length > 0 ? ` (${campaigns.join(', ')})` : '';
  return `${count} ${on} in the last ${cap.days} days${by}; at most ${cap.max}`;
}
