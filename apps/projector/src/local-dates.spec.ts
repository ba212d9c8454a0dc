import { describe, expect, it } from '@jest/globals';
import { localDateOf } from '@relance/domain';
import { LocalDates } from './local-dates.js';

describe('local dates with cached offsets', () => {
  it('agree with the domain for every quarter hour around clock changes and in odd zones', () => {
    const dates = new LocalDates();
    const zones = ['Europe/Paris', 'Asia/Kolkata', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Havana'];
    const starts = ['2026-03-28T00:00:00.000Z', '2026-10-24T00:00:00.000Z', '2026-04-04T00:00:00.000Z', '2026-11-01T00:00:00.000Z'];
    for (const zone of zones) {
      for (const start of starts) {
        for (let minutes = 0; minutes < 3 * 24 * 60; minutes += 7) {
          const instant = new Date(Date.parse(start) + minutes * 60_000).toISOString();
          expect([zone, instant, dates.dateOf(instant, zone)]).toEqual([zone, instant, localDateOf(instant, zone)]);
        }
      }
    }
  });
});
