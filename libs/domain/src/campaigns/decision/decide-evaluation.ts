import { decideCampaign, type CampaignDecision, type CampaignDecisionInput, type ContactHistory } from './decide-campaign.js';

/*
 * One evaluation: the candidates that fire together (one trigger event firing several campaigns; a
 * merchant's daily run of all its time rules). They are decided one after the other by campaign
 * priority (1 first, ties by campaign id, then by customer id), each seeing what the earlier ones
 * decided: a message queued for a customer counts towards that customer's frequency caps for the
 * next campaign (whose suppression then names it), and a campaign's spend counts towards its budget.
 */

export type EvaluationCandidate = Omit<CampaignDecisionInput, 'history' | 'spentThisMonthMilliMinor'>;

export interface EvaluationState {
  /** Per customer id: the contact history before this evaluation. */
  readonly histories: ReadonlyMap<string, ContactHistory>;
  /** Per campaign id: the estimated spend of this month before this evaluation, in thousandths of a minor unit. */
  readonly spentThisMonthMilliMinor: ReadonlyMap<string, number>;
}

export interface EvaluationResult {
  /** In the order decided. */
  readonly decisions: readonly { readonly candidate: EvaluationCandidate; readonly decision: CampaignDecision }[];
  /** The state after it (histories and spend including this evaluation's decisions). */
  readonly state: EvaluationState;
}

export function orderCandidates<C extends Pick<EvaluationCandidate, 'campaign' | 'occurrence'>>(candidates: readonly C[]): C[] {
  return [...candidates].sort(
    (a, b) =>
      a.campaign.definition.priority - b.campaign.definition.priority ||
      compare(a.campaign.definition.id, b.campaign.definition.id) ||
      compare(a.occurrence.customerId, b.occurrence.customerId),
  );
}

export function decideEvaluation(candidates: readonly EvaluationCandidate[], state: EvaluationState): EvaluationResult {
  const histories = new Map(state.histories);
  const spent = new Map(state.spentThisMonthMilliMinor);
  const decisions: { candidate: EvaluationCandidate; decision: CampaignDecision }[] = [];
  for (const candidate of orderCandidates(candidates)) {
    const customerId = candidate.occurrence.customerId;
    const campaignId = candidate.campaign.definition.id;
    const history = histories.get(customerId) ?? { messages: [], decisions: [] };
    const decision = decideCampaign({ ...candidate, history, spentThisMonthMilliMinor: spent.get(campaignId) ?? 0 });
    decisions.push({ candidate, decision });
    if (decision.outcome !== 'suppressed') {
      const message = decision.message;
      histories.set(customerId, {
        messages: message?.marketing ? [...history.messages, { campaignId, channel: message.channel, at: candidate.now }] : history.messages,
        decisions: [...history.decisions, { campaignId, period: candidate.occurrence.period, at: candidate.now }],
      });
    }
    if (decision.costMilliMinor > 0) spent.set(campaignId, (spent.get(campaignId) ?? 0) + decision.costMilliMinor);
  }
  return { decisions, state: { histories, spentThisMonthMilliMinor: spent } };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
