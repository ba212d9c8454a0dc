import type { Segment } from '@relance/domain';

/**
 * The eleven named segments on the grid of the recency score (R) and the FM score, the mean of the
 * frequency and monetary scores rounded up: FM = ceil((F + M) / 2). Every one of the 25 cells has a
 * segment, so every scored customer has one (no "others").
 *
 *   R \ FM |  1               2                   3                   4                5
 *   -------+-----------------------------------------------------------------------------------------
 *     5    |  new             potential-loyalist  potential-loyalist  champions        champions
 *     4    |  promising       potential-loyalist  loyal               loyal            champions
 *     3    |  about-to-sleep  about-to-sleep      need-attention      loyal            loyal
 *     2    |  hibernating     hibernating         at-risk             at-risk          cant-lose-them
 *     1    |  lost            lost                at-risk             cant-lose-them   cant-lose-them
 *
 * Read as: recent buyers are split by how much they buy (new → potential loyalist → champions); the
 * middle recencies by value (promising, about to sleep, need attention, loyal); long-gone buyers by
 * what losing them costs (lost, hibernating, at risk, can't lose them). It follows the usual
 * R × (F+M)/2 reading of the eleven segments (Putler's table, whose overlapping ranges it resolves
 * into one cell each).
 */
export const SEGMENT_GRID: Readonly<Record<1 | 2 | 3 | 4 | 5, readonly [Segment, Segment, Segment, Segment, Segment]>> = {
  5: ['new', 'potential-loyalist', 'potential-loyalist', 'champions', 'champions'],
  4: ['promising', 'potential-loyalist', 'loyal', 'loyal', 'champions'],
  3: ['about-to-sleep', 'about-to-sleep', 'need-attention', 'loyal', 'loyal'],
  2: ['hibernating', 'hibernating', 'at-risk', 'at-risk', 'cant-lose-them'],
  1: ['lost', 'lost', 'at-risk', 'cant-lose-them', 'cant-lose-them'],
};

export function fmScore(frequencyScore: number, monetaryScore: number): number {
  return Math.ceil((frequencyScore + monetaryScore) / 2);
}

export function segmentOf(recencyScore: number, frequencyScore: number, monetaryScore: number): Segment {
  const row = SEGMENT_GRID[recencyScore as 1 | 2 | 3 | 4 | 5];
  if (!row) throw new RangeError(`Recency score out of 1..5: ${recencyScore}`);
  return row[fmScore(frequencyScore, monetaryScore) - 1]!;
}

/** The grid as rows (r, fm, segment) for a VALUES list in SQL. */
export function segmentGridRows(): { r: number[]; fm: number[]; segment: string[] } {
  const rows = { r: [] as number[], fm: [] as number[], segment: [] as string[] };
  for (const r of [1, 2, 3, 4, 5] as const) {
    SEGMENT_GRID[r].forEach((segment, i) => {
      rows.r.push(r);
      rows.fm.push(i + 1);
      rows.segment.push(segment);
    });
  }
  return rows;
}
