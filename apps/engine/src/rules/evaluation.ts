import { createHmac } from 'node:crypto';
import {
  decideEvaluation,
  decisionKey,
  formatVoucherCode,
  localDateOf,
  type CampaignDecision,
  type CompiledCampaign,
  type EvaluationCandidate,
  type TriggerOccurrence,
} from '@relance/domain';
import type pg from 'pg';
import { isDecided, readControlsMemory, recordBookkeeping, type DecisionKey } from './bookkeeping.sql.js';
import { completeAges } from './customer-ages.js';
import { readCandidateFacts } from './customer-facts.sql.js';
import { appendPlanned, type PlannedWithMetadata } from './decision-appends.sql.js';
import { templatesFor, type MerchantRules } from './rule-book.js';

/** A campaign's trigger fired for a customer: one decision to take. */
export interface Candidate {
  readonly campaign: CompiledCampaign;
  readonly occurrence: TriggerOccurrence;
}

export interface Decided {
  readonly candidate: EvaluationCandidate;
  readonly decision: CampaignDecision;
}

export interface EvaluationOptions {
  readonly now: string;
  /** Keys decided already are left out (a re-run, another process); a dry run sees them all. */
  readonly skipDecided: boolean;
  /** Keyed hash of voucher codes: a re-decision gives the same code, nobody else can compute one. */
  readonly voucherKey: Buffer;
}

/** First key of the rules engine's advisory locks ("RULE"); the second is the merchant's hash. */
const RULES_LOCK_NAMESPACE = 0x52554c45;

/**
 * Serialises the decisions of one merchant across rules processes until the transaction ends: the
 * controls (caps, budget, once-per) are decided on what the other process recorded, never beside it.
 */
export async function lockMerchant(db: pg.PoolClient, merchantId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [RULES_LOCK_NAMESPACE, merchantId]);
}

/**
 * Decides the candidates of one merchant together (by priority, each seeing the earlier ones'
 * messages and spend), from the read models and the bookkeeping, without writing anything.
 */
export async function decideCandidates(db: pg.PoolClient | pg.Pool, rules: MerchantRules, candidates: readonly Candidate[], options: EvaluationOptions): Promise<Decided[]> {
  const { merchant } = rules;
  if (candidates.length === 0) return [];
  const longestCapDays = Math.max(1, ...rules.set.defaults.frequencyCaps.map((c) => c.days));
  const since = new Date(Date.parse(options.now) - longestCapDays * 86_400_000).toISOString();
  // One statement for what the controls remember (decided keys, histories, spend), over every
  // candidate's customer: a few histories more than needed cost less than another round trip.
  const keys: DecisionKey[] = options.skipDecided ? candidates.map((c) => ({ campaignId: c.campaign.definition.id, customerId: c.occurrence.customerId, period: c.occurrence.period })) : [];
  const memory = await readControlsMemory(db, merchant.id, keys, [...new Set(candidates.map((c) => c.occurrence.customerId))], since, options.now, merchant.timeZone);
  let todo = candidates;
  if (options.skipDecided) {
    todo = candidates.filter((_, i) => !isDecided(memory.decided, keys[i]!));
    // The same key twice in one batch (an event handed in twice) is decided once.
    const seen = new Set<string>();
    todo = todo.filter((c) => {
      const key = decisionKey(merchant.id, c.campaign.definition.id, c.occurrence);
      return seen.has(key) ? false : (seen.add(key), true);
    });
  }
  if (todo.length === 0) return [];
  const customerIds = [...new Set(todo.map((c) => c.occurrence.customerId))];
  const today = localDateOf(options.now, merchant.timeZone);
  const facts = await readCandidateFacts(db, merchant.id, customerIds, today, merchant.timeZone);
  await completeAges(rules.profiles, rules, todo, facts, today);
  const { histories, spent } = memory;
  const evaluation: EvaluationCandidate[] = todo.map(({ campaign, occurrence }) => {
    const found = facts.get(occurrence.customerId);
    const customer = found?.customer ?? null;
    return {
      merchant,
      frequencyCaps: rules.set.defaults.frequencyCaps,
      campaign,
      occurrence,
      customer,
      contact: found?.contact ?? { consents: {}, reachable: {} },
      templates: templatesFor(rules, campaign, customer?.locale ?? null),
      voucherCode: campaign.definition.actions.voucher ? voucherCode(options.voucherKey, decisionKey(merchant.id, campaign.definition.id, occurrence), campaign.definition.id) : null,
      now: options.now,
    };
  });
  return [...decideEvaluation(evaluation, { histories, spentThisMonthMilliMinor: spent }).decisions];
}

/** Appends the decisions' events and records their bookkeeping, in the caller's transaction. */
export async function recordDecisions(db: pg.PoolClient, rules: MerchantRules, decided: readonly Decided[], recordedAt: string): Promise<number> {
  const planned: PlannedWithMetadata[] = [];
  for (const { candidate, decision } of decided) {
    const occurrence = candidate.occurrence;
    const metadata = {
      merchantId: rules.merchant.id,
      // A decision follows its trigger event; a time trigger's or a launch's decisions share their occasion.
      correlationId: occurrence.eventId ?? `${candidate.campaign.definition.id}:${occurrence.period}`,
      causationId: occurrence.eventId ?? decision.ids.decisionEventId,
      occurredAt: candidate.now,
    };
    for (const append of decision.appends) planned.push({ append, metadata });
  }
  // Before the first write (migration 0035); a second call in the same transaction is a no-op.
  await db.query('SELECT relance_begin_append()');
  const appended = await appendPlanned(db, planned, recordedAt);
  await recordBookkeeping(db, rules.merchant.id, rules.merchant.timeZone, decided);
  return appended;
}

/** A voucher code from an HMAC of the decision key, prefixed with the campaign's first letters and digits. */
export function voucherCode(key: Buffer, decision: string, campaignId: string): string {
  const prefix = campaignId.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 8) || 'BON';
  return formatVoucherCode(prefix, createHmac('sha256', key).update(decision).digest());
}

/** The voucher key derived from the master key: codes never reveal it, and it never leaves memory. */
export function voucherKeyFrom(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update('relance voucher codes v1').digest();
}
