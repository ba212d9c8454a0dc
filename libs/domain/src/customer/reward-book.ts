import type { IssuedReward } from '../events/loyalty-state.js';
import { instantMs } from '../shared/instants.js';
import { compareStrings, SortedMap } from '../shared/sorted-map.js';

type CloseKey = readonly [closesMs: number, rewardId: string];

const compareCloseKeys = (a: CloseKey, b: CloseKey): number => a[0] - b[0] || compareStrings(a[1], b[1]);

interface HeldReward {
  readonly reward: IssuedReward;
  /** When it stopped being usable: used, or expired (Infinity while neither). */
  readonly closesMs: number;
}

/** The rewards a customer holds, used ones included for a while, by id and by when they stopped being usable. */
export interface RewardBook {
  readonly byId: SortedMap<string, HeldReward>;
  readonly byClose: SortedMap<CloseKey, true>;
}

export const NO_REWARDS: RewardBook = { byId: SortedMap.empty(compareStrings), byClose: SortedMap.empty(compareCloseKeys) };

export function heldReward(book: RewardBook, rewardId: string): IssuedReward | undefined {
  return book.byId.get(rewardId)?.reward;
}

/** Adds (or replaces) a reward; `usedAt` when it was used. */
export function withReward(book: RewardBook, reward: IssuedReward, usedAt: string | null = null): RewardBook {
  const closesMs = usedAt !== null ? instantMs(usedAt) : reward.expiresAt === null ? Infinity : instantMs(reward.expiresAt);
  const held = book.byId.get(reward.rewardId);
  const byClose = held ? book.byClose.delete([held.closesMs, reward.rewardId]) : book.byClose;
  return { byId: book.byId.set(reward.rewardId, { reward, closesMs }), byClose: byClose.set([closesMs, reward.rewardId], true) };
}

export function forgetRewardsClosedBefore(book: RewardBook, before: number): RewardBook {
  let { byId, byClose } = book;
  for (let first = byClose.first(); first && first[0][0] < before; first = byClose.first()) {
    byId = byId.delete(first[0][1]);
    byClose = byClose.delete(first[0]);
  }
  return byClose === book.byClose ? book : { byId, byClose };
}

/** The rewards held, in the order they were issued. */
export function rewardsOf(book: RewardBook): IssuedReward[] {
  return [...book.byId.values()].map((held) => held.reward).sort((a, b) => instantMs(a.issuedAt) - instantMs(b.issuedAt) || compareStrings(a.rewardId, b.rewardId));
}
