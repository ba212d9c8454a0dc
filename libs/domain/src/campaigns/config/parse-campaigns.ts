import { z } from 'zod';
import { SEGMENTS } from '../../events/segment.events.js';
import { canonicalJson } from '../../program/canonical-json.js';
import { configIssueMessage, toConfigIssues, type ConfigIssue } from '../../shared/config-messages.js';
import { daysInLocalMonth } from '../../shared/local-time.js';
import { sha256Hex } from '../../shared/sha256.js';
import { compileConditions, type CompiledConditions, type Variables } from '../cel/conditions.js';
import { customerFactsType, type MerchantVocabulary } from '../facts/customer-facts.js';
import { eventFactsType, purchaseFactsType } from '../facts/event-facts.js';
import { optOutProblem, senderProblem, type CampaignMerchant } from './campaign-merchant.js';
import {
  CampaignDefaults,
  CampaignInput,
  type CampaignDefinition,
  type Trigger,
} from './campaign.schema.js';

/** A campaign ready to decide: its definition, its content hash, its conditions compiled. */
export interface CompiledCampaign {
  readonly definition: CampaignDefinition;
  /** sha256 of the definition's canonical JSON: editing one campaign leaves the others' alone. */
  readonly ruleVersion: string;
  readonly audience: CompiledConditions;
  /** The trigger's `filter` (purchase and challenge triggers), or null. */
  readonly filter: CompiledConditions | null;
}

/** A merchant's campaigns.yaml, parsed and compiled. */
export interface CampaignSet {
  /** sha256 over the defaults and every campaign's ruleVersion: what a reload logs. */
  readonly version: string;
  readonly defaults: CampaignDefaults;
  readonly campaigns: readonly CompiledCampaign[];
}

export interface CampaignContext {
  readonly merchant: CampaignMerchant;
  readonly vocabulary: MerchantVocabulary;
}

/** A problem with its path in the file; `line` is a line inside a multi-line condition (1-based). */
export interface CampaignIssue extends ConfigIssue {
  readonly line?: number;
}

export type CampaignsParseResult = { success: true; set: CampaignSet } | { success: false; issues: CampaignIssue[] };

const TopLevel = z.strictObject({ defaults: z.unknown().optional(), campaigns: z.unknown().optional() });

/**
 * Parses campaigns.yaml's data with every problem reported at once: each campaign is checked on its
 * own, so that a broken one does not hide another's mistakes.
 */
export function parseCampaigns(input: unknown, context: CampaignContext): CampaignsParseResult {
  const issues: CampaignIssue[] = [];
  const data = input ?? {};
  const top = TopLevel.safeParse(data, { error: configIssueMessage });
  if (!top.success) return { success: false, issues: toConfigIssues(top.error) };

  const defaultsResult = CampaignDefaults.safeParse(top.data.defaults ?? {}, { error: configIssueMessage });
  if (!defaultsResult.success) issues.push(...prefixed(['defaults'], toConfigIssues(defaultsResult.error)));
  const defaults = defaultsResult.success ? defaultsResult.data : CampaignDefaults.parse({});

  const rawCampaigns = top.data.campaigns ?? [];
  if (!Array.isArray(rawCampaigns)) return { success: false, issues: [...issues, { path: ['campaigns'], message: 'must be a list of campaigns' }] };

  const parsed: { index: number; campaign: CampaignInput }[] = [];
  rawCampaigns.forEach((raw, index) => {
    const result = CampaignInput.safeParse(raw, { error: configIssueMessage });
    if (result.success) parsed.push({ index, campaign: result.data });
    else issues.push(...prefixed(['campaigns', index], toConfigIssues(result.error)));
  });

  const ids = rawCampaigns.map((raw) => (isRecord(raw) && typeof raw.id === 'string' ? raw.id : undefined));
  ids.forEach((id, index) => {
    const first = ids.indexOf(id);
    if (id !== undefined && first < index) issues.push({ path: ['campaigns', index, 'id'], message: `duplicate campaign id "${id}" (also campaigns[${first}])` });
  });
  const challenges = parsed.filter((p) => p.campaign.trigger.type === 'challenge').map((p) => p.campaign.id);

  const campaigns: CompiledCampaign[] = [];
  for (const { index, campaign } of parsed) {
    const at = (...path: (string | number)[]) => ['campaigns', index, ...path];
    const problems = checkCampaign(campaign, context, challenges).map((p) => ({ ...p, path: at(...p.path) }));
    const definition = fill(campaign, defaults, context.merchant);
    const compiled = compile(definition, context.vocabulary, Array.isArray(campaign.audience));
    problems.push(...compiled.issues.map((p) => ({ ...p, path: at(...p.path) })));
    issues.push(...problems);
    if (problems.length === 0 && compiled.audience) {
      campaigns.push({ definition, ruleVersion: ruleVersionOf(definition), audience: compiled.audience, filter: compiled.filter });
    }
  }

  if (issues.length > 0) return { success: false, issues };
  return { success: true, set: { version: campaignSetVersion(defaults, campaigns), defaults, campaigns } };
}

/** The campaigns that decide: a paused campaign decides nothing (its triggers are not even evaluated). */
export function activeCampaigns(set: CampaignSet): CompiledCampaign[] {
  return set.campaigns.filter((c) => c.definition.status === 'active');
}

export function ruleVersionOf(definition: CampaignDefinition): string {
  return sha256Hex(canonicalJson(definition));
}

export function campaignSetVersion(defaults: CampaignDefaults, campaigns: readonly CompiledCampaign[]): string {
  const versions = campaigns.map((c) => [c.definition.id, c.ruleVersion]).sort(([a], [b]) => (a! < b! ? -1 : 1));
  return sha256Hex(canonicalJson({ defaults, campaigns: versions }));
}

function fill(input: CampaignInput, defaults: CampaignDefaults, merchant: CampaignMerchant): CampaignDefinition {
  return {
    id: input.id,
    name: input.name,
    description: input.description,
    status: input.status,
    priority: input.priority ?? defaults.priority,
    trigger: input.trigger,
    audience: typeof input.audience === 'string' ? [input.audience] : input.audience,
    // A challenge's reward is owed once per period, whatever is written.
    oncePer: input.trigger.type === 'challenge' ? 'period' : input.oncePer,
    actions: input.actions,
    controlGroupPercent: input.controlGroupPercent ?? defaults.controlGroupPercent,
    monthlyBudgetCents: input.monthlyBudgetCents,
    promotesAlcohol: input.promotesAlcohol ?? merchant.alcohol,
    marketing: input.marketing,
  };
}

function compile(
  definition: CampaignDefinition,
  vocabulary: MerchantVocabulary,
  listed: boolean,
): { audience: CompiledConditions | null; filter: CompiledConditions | null; issues: CampaignIssue[] } {
  const issues: CampaignIssue[] = [];
  const variables: Variables = { customer: customerFactsType(vocabulary), event: eventFactsType(definition.trigger.type, vocabulary) };
  const audience = compileConditions(definition.audience, variables);
  if (!audience.ok) {
    for (const p of audience.problems) {
      issues.push({ path: listed ? ['audience', p.index] : ['audience'], message: located(p.message, p.column, p.line), line: p.line });
    }
  }
  let filter: CompiledConditions | null = null;
  const trigger = definition.trigger;
  if ((trigger.type === 'purchase' || trigger.type === 'challenge') && trigger.filter !== null) {
    const result = compileConditions([trigger.filter], { event: purchaseFactsType(vocabulary) });
    if (result.ok) filter = result.compiled;
    else for (const p of result.problems) issues.push({ path: ['trigger', 'filter'], message: located(p.message, p.column, p.line), line: p.line });
  }
  return { audience: audience.ok ? audience.compiled : null, filter, issues };
}

function located(message: string, column: number | null, line: number): string {
  if (column === null) return message;
  return line > 1 ? `${message} (line ${line} of the condition, column ${column})` : `${message} (column ${column})`;
}

/** Rules between a campaign's fields and the merchant's other files. */
function checkCampaign(campaign: CampaignInput, context: CampaignContext, challenges: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { vocabulary } = context;
  const trigger: Trigger = campaign.trigger;
  const unknown = (label: string, value: string, known: readonly string[]) => `unknown ${label} "${value}" (${label}s: ${known.join(', ') || 'none'})`;
  switch (trigger.type) {
    case 'tier-changed':
      trigger.to.forEach((tier, i) => {
        if (!vocabulary.tiers.includes(tier)) issues.push({ path: ['trigger', 'to', i], message: unknown('tier', tier, vocabulary.tiers) });
      });
      break;
    case 'segment-entered':
      trigger.segments.forEach((segment, i) => {
        if (!(SEGMENTS as readonly string[]).includes(segment)) issues.push({ path: ['trigger', 'segments', i], message: unknown('segment', segment, SEGMENTS) });
      });
      break;
    case 'reward-reachable':
      if (!vocabulary.rewards.includes(trigger.reward)) issues.push({ path: ['trigger', 'reward'], message: unknown('reward', trigger.reward, vocabulary.rewards) });
      break;
    case 'challenge-completed':
      if (!challenges.includes(trigger.challenge)) {
        issues.push({ path: ['trigger', 'challenge'], message: `${unknown('challenge', trigger.challenge, challenges)}: name a campaign whose trigger is a challenge` });
      }
      break;
    case 'yearly':
      issues.push(...checkYearly(trigger));
      break;
    case 'challenge':
      if ((trigger.purchases === null) === (trigger.spendCents === null)) issues.push({ path: ['trigger', 'purchases'], message: 'give either purchases or spendCents' });
      break;
    default:
      break;
  }
  const message = campaign.actions.message;
  message?.channels.forEach((channel, i) => {
    const problem = senderProblem(channel, context.merchant.channels) ?? (campaign.marketing ? optOutProblem(channel, context.merchant.channels) : null);
    if (problem) issues.push({ path: ['actions', 'message', 'channels', i], message: `"${channel}" cannot be used: ${problem}` });
  });
  if (trigger.type === 'challenge' && campaign.actions.voucher !== null && campaign.actions.message === null) {
    issues.push({ path: ['actions', 'voucher'], message: 'a voucher needs a message that gives its code' });
  }
  return issues;
}

function checkYearly(trigger: Extract<Trigger, { type: 'yearly' }>): ConfigIssue[] {
  const byDay = trigger.day !== null;
  const byWeekday = trigger.weekday !== null || trigger.nth !== null;
  if (byDay === byWeekday) return [{ path: ['trigger', 'day'], message: 'give either day, or weekday and nth (e.g. weekday: thursday, nth: 3)' }];
  if (byWeekday && (trigger.weekday === null || trigger.nth === null)) {
    return [{ path: ['trigger', trigger.weekday === null ? 'weekday' : 'nth'], message: 'required with the other (e.g. weekday: thursday, nth: 3)' }];
  }
  if (trigger.day !== null) {
    if (trigger.month === 2 && trigger.day === 29) return [{ path: ['trigger', 'day'], message: '29 February is not in every year: use 28 or a date trigger' }];
    // 2001 is a common year: the month's usual length.
    const days = daysInLocalMonth(2001, trigger.month);
    if (trigger.day > days) return [{ path: ['trigger', 'day'], message: `month ${trigger.month} has ${days} days` }];
  }
  return [];
}

function prefixed(prefix: (string | number)[], issues: ConfigIssue[]): ConfigIssue[] {
  return issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
