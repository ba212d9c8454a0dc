import type { z } from 'zod';

/**
 * Rules between fields of a program. They also run when other fields already failed (zod would
 * skip them), so an operator sees every problem at once: the values they read may be malformed,
 * hence the defensive reading.
 */

type Ctx = z.core.$RefinementCtx<unknown>;
type Item = Record<string, unknown>;

/** Run even after type errors elsewhere. */
export const ALWAYS = { when: () => true };

const isItem = (value: unknown): value is Item => typeof value === 'object' && value !== null && !Array.isArray(value);
const itemsOf = (value: unknown): Item[] => (Array.isArray(value) ? value.map((v) => (isItem(v) ? v : {})) : []);
const issue = (ctx: Ctx, path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

function firstIndexOfId(items: Item[], id: unknown): number {
  return items.findIndex((other) => other.id === id);
}

export function checkTierLevels(value: unknown, ctx: Ctx): void {
  const levels = itemsOf(value);
  const first = levels[0]?.minSpendCents;
  if (typeof first === 'number' && first !== 0) {
    issue(ctx, [0, 'minSpendCents'], 'the first level must start at 0: every customer holds a tier');
  }
  levels.forEach((level, i) => {
    const previous = levels[i - 1]?.minSpendCents;
    if (typeof previous === 'number' && typeof level.minSpendCents === 'number' && level.minSpendCents <= previous) {
      issue(ctx, [i, 'minSpendCents'], `must be greater than the previous level's (${previous}): levels go from lowest to highest`);
    }
    const twin = firstIndexOfId(levels, level.id);
    if (typeof level.id === 'string' && twin < i) issue(ctx, [i, 'id'], `duplicate level id "${level.id}" (also levels[${twin}])`);
  });
}

export function checkRewards(value: unknown, ctx: Ctx): void {
  const rewards = itemsOf(value);
  const firstAuto = rewards.findIndex((r) => r.autoIssue === true);
  rewards.forEach((reward, i) => {
    const twin = firstIndexOfId(rewards, reward.id);
    if (typeof reward.id === 'string' && twin < i) issue(ctx, [i, 'id'], `duplicate reward id "${reward.id}" (also rewards[${twin}])`);
    if (reward.autoIssue === true && i > firstAuto) {
      issue(ctx, [i, 'autoIssue'], `only one reward can be issued automatically (already rewards[${firstAuto}])`);
    }
    if (reward.kind === 'voucher' && (reward.valueCents === null || reward.valueCents === undefined)) {
      issue(ctx, [i, 'valueCents'], 'required for a voucher (its value in cents)');
    }
  });
}

export function checkProgram(value: unknown, ctx: Ctx): void {
  if (!isItem(value)) return;
  const tiers = isItem(value.tiers) ? value.tiers : {};
  const levelIds = itemsOf(tiers.levels)
    .map((level) => level.id)
    .filter((id): id is string => typeof id === 'string');
  if (levelIds.length > 0) {
    itemsOf(value.rewards).forEach((reward, i) => {
      if (typeof reward.minTier === 'string' && !levelIds.includes(reward.minTier)) {
        issue(ctx, ['rewards', i, 'minTier'], `unknown level "${reward.minTier}" (levels: ${levelIds.join(', ')})`);
      }
    });
  }
  const earn = isItem(value.earn) ? value.earn : {};
  const multipliers = isItem(earn.categoryMultipliers) ? earn.categoryMultipliers : {};
  const seen = new Map<string, string>();
  for (const category of Object.keys(multipliers)) {
    const key = category.trim().toLowerCase();
    const twin = seen.get(key);
    if (twin !== undefined) issue(ctx, ['earn', 'categoryMultipliers', category], `same category as "${twin}" (case does not count)`);
    seen.set(key, category);
  }
  const itemRules = itemsOf(earn.perItem);
  itemRules.forEach((rule, i) => {
    const twin = firstIndexOfId(itemRules, rule.id);
    if (typeof rule.id === 'string' && twin < i) issue(ctx, ['earn', 'perItem', i, 'id'], `duplicate rule id "${rule.id}" (also perItem[${twin}])`);
  });
}
