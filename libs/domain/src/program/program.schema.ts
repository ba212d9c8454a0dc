import { z } from 'zod';
import { LIMITS } from '../events/limits.js';
import { Cents, Id, StorableText } from '../events/primitives.js';
import { VISIT_KINDS } from '../events/purchase.events.js';
import { configIssueMessage, toConfigIssues, type ConfigIssue } from '../shared/config-messages.js';
import { ALWAYS, checkProgram, checkRewards, checkTierLevels } from './program.consistency.js';
import { hasAtMostThreeDecimals } from './thousandths.js';

export { canonicalJson } from './canonical-json.js';

/**
 * A merchant's loyalty program as operators write it (program.yaml). Every default is filled in by
 * parsing, so the parsed definition says everything and its hash identifies the rules exactly.
 */

/** Rates are exact in thousandths, so that the points arithmetic stays in integers. */
const Multiplier = z
  .number()
  .gt(0, 'must be greater than 0')
  .max(10, 'must be at most 10')
  .refine(hasAtMostThreeDecimals, 'at most 3 decimals (e.g. 1.125)');

const VisitEarning = z.strictObject({
  points: z.int().min(1).max(LIMITS.pointsPerMovement),
  kinds: z.array(z.enum(VISIT_KINDS)).min(1),
  /** Visits that earn per customer and local day (a tasting every evening earns once). */
  maxPerDay: z.int().min(1).max(100).default(1),
});

const Names = z.array(StorableText.trim().min(1).max(64)).max(200);

/**
 * A count card ("5 bottles bought, the 6th free"): each unit of a matching line earns pointsPerUnit,
 * whatever its price and the tier. Paired with a reward costing 5 × pointsPerUnit (autoIssue), the
 * sixth bottle is paid for by the reward issued after the fifth. A line matches by SKU or by category,
 * compared without regard to case; it earns from the first rule it matches only. A line given away
 * (total 0, e.g. the free bottle itself) earns no units, and promo lines follow promoLines.
 */
const ItemEarning = z
  .strictObject({
    id: Id,
    skus: Names.default([]),
    categories: Names.default([]),
    pointsPerUnit: z.int().min(1).max(100_000),
  })
  .refine((rule) => rule.skus.length + rule.categories.length > 0, 'give skus or categories: which lines count');

const EarnRules = z.strictObject({
  /** Points per euro of eligible spend. */
  perEuro: z.number().min(0).max(1000).refine(hasAtMostThreeDecimals, 'at most 3 decimals (e.g. 1.5)'),
  /** Flat points per purchase whose total reaches minimumPurchaseCents. */
  perPurchase: z.int().min(0).max(100_000).default(0),
  minimumPurchaseCents: Cents.default(0),
  /** By line category, compared without regard to case. */
  categoryMultipliers: z.record(StorableText.min(1).max(64), Multiplier).default({}),
  /** "excluded": promotions and points do not add up (the French usual). */
  promoLines: z.enum(['excluded', 'included']).default('excluded'),
  visits: VisitEarning.nullable().default(null),
  /**
   * Count cards. Optional without a default, so that a program written before them keeps its
   * version hash.
   */
  perItem: z.array(ItemEarning).min(1).max(20).optional(),
});

const TierLevel = z.strictObject({
  id: Id,
  name: StorableText.min(1).max(100),
  /** Rolling net spend needed to reach the level. */
  minSpendCents: Cents,
  earnMultiplier: Multiplier.default(1),
});

const TierLevels = z.array(TierLevel).min(1).superRefine(checkTierLevels, ALWAYS);

const Tiers = z.strictObject({
  /** Tiers follow net spend over this many months up to today. */
  windowMonths: z.int().min(1).max(120),
  /** A tier reached is kept at least this long, whatever the spend; 0 for no guarantee. */
  guaranteeMonths: z.int().min(0).max(120),
  downgrade: z.enum(['to-qualifying', 'one-step']),
  levels: TierLevels,
});

const Refunds = z.strictObject({
  /**
   * A purchase can be refunded (and its points taken back) until 00:00 local time on the day after
   * its date + windowDays: a refund dated later is refused. Past it, the purchase's details are
   * forgotten, so the window also bounds what is kept of a customer who buys every day.
   */
  windowDays: z.int().min(1).max(730).default(365),
});

const Reward = z.strictObject({
  id: Id,
  name: StorableText.min(1).max(200),
  kind: z.enum(['voucher', 'product', 'experience']),
  costPoints: z.int().min(1).max(1_000_000),
  valueCents: Cents.nullable().default(null),
  /** Null: the reward never expires. */
  validityDays: z.int().min(1).max(3650).nullable().default(null),
  /** Issued by itself whenever the balance covers it. */
  autoIssue: z.boolean().default(false),
  minTier: Id.nullable().default(null),
});

const Rewards = z.array(Reward).default([]).superRefine(checkRewards, ALWAYS);

export const Program = z
  .strictObject({
    name: StorableText.min(1).max(200),
    earn: EarnRules,
    tiers: Tiers,
    refunds: Refunds.default({ windowDays: 365 }),
    rewards: Rewards,
    /** Null: points never expire. */
    expiry: z.strictObject({ months: z.int().min(1).max(120) }).nullable(),
  })
  .superRefine(checkProgram, ALWAYS);

export type Program = z.infer<typeof Program>;
/** What an operator may write (defaults not yet filled in). */
export type ProgramInput = z.input<typeof Program>;
export type EarnRules = Program['earn'];
export type ItemEarningRule = NonNullable<EarnRules['perItem']>[number];
export type TierRules = Program['tiers'];
export type TierLevel = TierRules['levels'][number];
export type RewardDefinition = Program['rewards'][number];

/** The program in force: its definition and the content hash that every decision records. */
export interface ActiveProgram {
  readonly version: string;
  readonly definition: Program;
}

export type ProgramParseResult = { success: true; program: Program } | { success: false; issues: ConfigIssue[] };

/** Parses a program with every problem reported at once, each with its path and an operator's message. */
export function parseProgram(input: unknown): ProgramParseResult {
  const result = Program.safeParse(input, { error: configIssueMessage });
  return result.success ? { success: true, program: result.data } : { success: false, issues: toConfigIssues(result.error) };
}
