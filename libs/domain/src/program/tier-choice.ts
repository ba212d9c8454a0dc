import { isBefore } from '../shared/instants.js';
import { endOfLocalDayAfter } from '../shared/local-time.js';
import type { TierLevel, TierRules } from './program.schema.js';

export interface HeldTier {
  readonly id: string;
  /** Null: no guarantee (the lowest level, or a program without one). */
  readonly guaranteedUntil: string | null;
}

export interface TierMove {
  readonly to: TierLevel;
  readonly direction: 'up' | 'down';
  readonly guaranteedUntil: string | null;
}

/** The highest level whose threshold the spend reaches (levels are sorted; the first starts at 0). */
export function qualifyingLevelIndex(levels: readonly TierLevel[], spendCents: number): number {
  let index = 0;
  levels.forEach((level, i) => {
    if (spendCents >= level.minSpendCents) index = i;
  });
  return index;
}

/**
 * A level reached (up or down) is kept until 00:00 local time on today + guaranteeMonths + 1 day.
 * The lowest level needs no guarantee: there is nothing below it.
 */
export function guaranteeUntil(rules: TierRules, levelIndex: number, now: string, timeZone: string): string | null {
  if (levelIndex === 0 || rules.guaranteeMonths === 0) return null;
  return endOfLocalDayAfter(now, { months: rules.guaranteeMonths }, timeZone);
}

/**
 * Upgrades happen at once; a downgrade waits until the guarantee has passed (now ≥ guaranteedUntil),
 * then goes to the qualifying level or one level down, as configured. Either move re-arms the
 * guarantee from now. A tier the program no longer has is replaced by the qualifying level.
 * Null: the customer keeps the tier held.
 */
export function chooseTier(
  rules: TierRules,
  held: HeldTier | null,
  spendCents: number,
  now: string,
  timeZone: string,
): TierMove | null {
  const levels = rules.levels;
  const qualifying = qualifyingLevelIndex(levels, spendCents);
  const current = held === null ? -1 : levels.findIndex((level) => level.id === held.id);
  const move = (index: number, direction: TierMove['direction']): TierMove => ({
    to: levels[index] as TierLevel,
    direction,
    guaranteedUntil: guaranteeUntil(rules, index, now, timeZone),
  });
  if (current < 0) return move(qualifying, 'up');
  if (qualifying > current) return move(qualifying, 'up');
  if (qualifying === current) return null;
  if (held?.guaranteedUntil && isBefore(now, held.guaranteedUntil)) return null;
  return move(rules.downgrade === 'one-step' ? current - 1 : qualifying, 'down');
}
