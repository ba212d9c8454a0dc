import { describe, expect, it } from '@jest/globals';
import type { PrefixesFilter, RegexFilter } from '@eventstore/db-client';
import { isSystemEvent, matchesFilter, toServerFilter } from './esdb-filter.js';

const e = (streamId: string, type: string) => ({ streamId, type });

describe('system events', () => {
  it("are those in a $ stream or with a $ type: ESDB's own records", () => {
    expect(isSystemEvent(e('$stats-127.0.0.1:2113', 'StatsCollected'))).toBe(true);
    expect(isSystemEvent(e('card-1', '$metadata'))).toBe(true);
    expect(isSystemEvent(e('$$card-1', '$metadata'))).toBe(true);
    expect(isSystemEvent(e('card-1', 'PointsEarned'))).toBe(false);
    expect(isSystemEvent(e('card-$1', 'Points$'))).toBe(false);
  });

  it('never match, whatever the prefixes', () => {
    expect(matchesFilter(e('$ce-card', '$>'))).toBe(false);
    expect(matchesFilter(e('$ce-card', 'PointsEarned'), { streamPrefixes: ['$'] })).toBe(false);
    expect(matchesFilter(e('card-1', '$metadata'), { eventTypePrefixes: [''] })).toBe(false);
  });
});

describe('matching a filter on our side', () => {
  it('keeps every non-system event without a filter, or with empty prefix lists', () => {
    expect(matchesFilter(e('card-1', 'PointsEarned'))).toBe(true);
    expect(matchesFilter(e('card-1', 'PointsEarned'), { streamPrefixes: [], eventTypePrefixes: [] })).toBe(true);
  });

  it('keeps an event whose stream starts with any of the stream prefixes', () => {
    const filter = { streamPrefixes: ['card-', 'campaign-'] };
    expect(matchesFilter(e('campaign-9', 'Started'), filter)).toBe(true);
    expect(matchesFilter(e('merchant-1', 'Started'), filter)).toBe(false);
    expect(matchesFilter(e('xcard-1', 'Started'), filter)).toBe(false);
  });

  it('keeps an event whose type starts with any of the type prefixes', () => {
    const filter = { eventTypePrefixes: ['Points', 'Reward'] };
    expect(matchesFilter(e('card-1', 'RewardIssued'), filter)).toBe(true);
    expect(matchesFilter(e('card-1', 'CardOpened'), filter)).toBe(false);
  });

  it('requires both kinds of prefix when both are given', () => {
    const filter = { streamPrefixes: ['card-'], eventTypePrefixes: ['Points'] };
    expect(matchesFilter(e('card-1', 'PointsEarned'), filter)).toBe(true);
    expect(matchesFilter(e('card-1', 'CardOpened'), filter)).toBe(false);
    expect(matchesFilter(e('campaign-1', 'PointsEarned'), filter)).toBe(false);
  });
});

describe('the server-side filter', () => {
  it('filters stream names by prefix', () => {
    const filter = toServerFilter({ streamPrefixes: ['card-', 'campaign-'] }) as PrefixesFilter;
    expect(filter).toMatchObject({ filterOn: 'streamName', prefixes: ['card-', 'campaign-'] });
  });

  it('filters event types by prefix when only type prefixes are given', () => {
    const filter = toServerFilter({ eventTypePrefixes: ['Points'] }) as PrefixesFilter;
    expect(filter).toMatchObject({ filterOn: 'eventType', prefixes: ['Points'] });
  });

  it('sends the stream prefixes when both are given, leaving the types to matchesFilter', () => {
    const filter = toServerFilter({ streamPrefixes: ['card-'], eventTypePrefixes: ['Points'] }) as PrefixesFilter;
    expect(filter).toMatchObject({ filterOn: 'streamName', prefixes: ['card-'] });
    expect(matchesFilter(e('card-1', 'CardOpened'), { streamPrefixes: ['card-'], eventTypePrefixes: ['Points'] })).toBe(false);
  });

  it('still excludes system event types without any prefix, so checkpoints keep coming', () => {
    const filter = toServerFilter(undefined) as RegexFilter;
    expect(filter.filterOn).toBe('eventType');
    const regex = new RegExp(filter.regex);
    expect(regex.test('$statsCollected')).toBe(false);
    expect(regex.test('PointsEarned')).toBe(true);
    expect((toServerFilter({ streamPrefixes: [] }) as RegexFilter).regex).toBe(filter.regex);
  });

  it('hands the checkpoint callback to the server filter and checkpoints at every search window', () => {
    const onCheckpoint = () => undefined;
    expect(toServerFilter({ streamPrefixes: ['card-'] }, onCheckpoint)).toMatchObject({ checkpointReached: onCheckpoint, checkpointInterval: 1 });
    expect(toServerFilter(undefined, onCheckpoint).checkpointReached).toBe(onCheckpoint);
  });

  it('copies the prefixes, so a caller changing its list later changes nothing', () => {
    const prefixes = ['card-'];
    const filter = toServerFilter({ streamPrefixes: prefixes }) as PrefixesFilter;
    prefixes.push('campaign-');
    expect(filter.prefixes).toEqual(['card-']);
  });
});
