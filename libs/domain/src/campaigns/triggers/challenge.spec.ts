import { describe, expect, it } from '@jest/globals';
import { campaign, PARIS, purchaseData } from '../campaign.fixtures.js';
import type { TriggerOf } from '../config/campaign.schema.js';
import type { CompiledCampaign } from '../config/parse-campaigns.js';
import { advanceChallenge, challengePeriodOf, type ChallengeProgress } from './challenge.js';
import type { TriggerEvent } from './event-triggers.js';

const december = campaign({ id: 'defi-decembre', trigger: { type: 'challenge', purchases: 3, period: 'month', months: [12] }, actions: { bonusPoints: 200 } });

function purchase(n: number, at: string, totalCents = 3000, customerId: string | null = 'alice', category = 'rouge'): TriggerEvent {
  return { type: 'PurchaseRecorded', data: purchaseData(`p${n}`, totalCents, at, customerId, category), eventId: `0195d2a0-0000-7000-8000-00000000000${n}`, occurredAt: at };
}

/** given purchases in order, then the progress and each completion. */
function play(c: CompiledCampaign, purchases: TriggerEvent[], start: ChallengeProgress | null = null) {
  let progress = start;
  const completions = [];
  for (const p of purchases) {
    const step = advanceChallenge(c, progress, p, PARIS);
    progress = step.progress;
    if (step.completed) completions.push(step.completed);
  }
  return { progress, completions };
}

describe('given the challenge "3 purchases in December → 200 points"', () => {
  it('completes on the third December purchase, once, keyed by the period', () => {
    const { progress, completions } = play(december, [
      purchase(1, '2026-12-02T10:00:00.000Z'),
      purchase(2, '2026-12-09T10:00:00.000Z'),
      purchase(3, '2026-12-16T10:00:00.000Z'),
      purchase(4, '2026-12-23T10:00:00.000Z'),
    ]);
    expect(completions).toEqual([
      {
        kind: 'challenge',
        type: 'challenge',
        customerId: 'alice',
        eventId: '0195d2a0-0000-7000-8000-000000000003',
        eventType: 'PurchaseRecorded',
        schedule: null,
        period: '2026-12',
        description: 'challenge met in 2026-12: 3 purchases, 9000 cents',
        // The period's start (00:00 on 1 December in Paris): the same whichever purchase completes it.
        at: '2026-11-30T23:00:00.000Z',
        facts: { challengeId: 'defi-decembre', period: '2026-12', purchases: 3, spendCents: 9000 },
      },
    ]);
    expect(progress).toMatchObject({ period: '2026-12', purchases: 4, completed: true });
  });

  it('does not count November purchases, nor a purchase seen twice', () => {
    const { progress, completions } = play(december, [
      purchase(1, '2026-11-30T10:00:00.000Z'),
      purchase(2, '2026-12-01T10:00:00.000Z'),
      purchase(2, '2026-12-01T10:00:00.000Z'),
      purchase(3, '2026-12-05T10:00:00.000Z'),
    ]);
    expect(completions).toEqual([]);
    expect(progress).toMatchObject({ period: '2026-12', purchases: 2, spendCents: 6000 });
  });

  it('counts purchases by their local date: 23:30 UTC on 30 November is already December in Paris', () => {
    expect(challengePeriodOf(december.definition.trigger as TriggerOf<'challenge'>, '2026-11-30')).toBeNull();
    const late = play(december, [purchase(1, '2026-11-30T23:30:00.000Z')]);
    // 23:30 UTC is 00:30 on 1 December in Paris: it counts.
    expect(late.progress).toMatchObject({ period: '2026-12', purchases: 1 });
  });

  it('starts again from zero in the next year\'s December, and completes again then', () => {
    const { completions } = play(december, [
      purchase(1, '2026-12-02T10:00:00.000Z'),
      purchase(2, '2026-12-03T10:00:00.000Z'),
      purchase(3, '2026-12-04T10:00:00.000Z'),
      purchase(4, '2027-12-02T10:00:00.000Z'),
      purchase(5, '2027-12-03T10:00:00.000Z'),
      purchase(6, '2027-12-04T10:00:00.000Z'),
    ]);
    expect(completions.map((c) => c.period)).toEqual(['2026-12', '2027-12']);
  });

  it('ignores anonymous sales', () => {
    expect(play(december, [purchase(1, '2026-12-02T10:00:00.000Z', 3000, null)]).progress).toBeNull();
  });
});

describe('given a spending challenge with a filter', () => {
  const champagne = campaign({
    trigger: { type: 'challenge', spendCents: 20000, period: 'quarter', filter: '"champagne" in event.categories' },
    actions: { bonusPoints: 300 },
  });

  it('counts only the purchases the filter keeps, over the calendar quarter', () => {
    const { completions, progress } = play(champagne, [
      purchase(1, '2026-10-05T10:00:00.000Z', 15000, 'alice', 'champagne'),
      purchase(2, '2026-11-05T10:00:00.000Z', 50000, 'alice', 'rouge'),
      purchase(3, '2026-12-05T10:00:00.000Z', 5000, 'alice', 'champagne'),
    ]);
    expect(completions.map((c) => [c.period, c.facts])).toEqual([['2026-Q4', { challengeId: 'test', period: '2026-Q4', purchases: 2, spendCents: 20000 }]]);
    expect(progress).toMatchObject({ purchases: 2, completed: true });
  });

  it('names periods by quarter and year', () => {
    const yearly = campaign({ trigger: { type: 'challenge', purchases: 10, period: 'year' }, actions: { bonusPoints: 1 } });
    expect(challengePeriodOf(yearly.definition.trigger as TriggerOf<'challenge'>, '2026-07-14')).toEqual({ key: '2026', from: '2026-01-01', to: '2026-12-31' });
    expect(challengePeriodOf(champagne.definition.trigger as TriggerOf<'challenge'>, '2026-08-31')).toEqual({ key: '2026-Q3', from: '2026-07-01', to: '2026-09-30' });
  });
});
