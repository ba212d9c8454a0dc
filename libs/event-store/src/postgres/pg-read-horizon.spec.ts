import { describe, expect, it } from '@jest/globals';
import { takeReadHorizon } from './pg-read-horizon.js';
import type { EventRow } from './pg-rows.js';

const metadata = {
  eventId: '01939d1e-0000-7000-8000-000000000001',
  merchantId: 'm',
  correlationId: '01939d1e-0000-7000-8000-000000000001',
  causationId: '01939d1e-0000-7000-8000-000000000001',
  actor: 'system:test',
  occurredAt: '2026-11-23T10:00:00.000Z',
  recordedAt: '2026-11-23T10:00:00.000Z',
};
const event = (position: string): EventRow => [position, '800', 's', '0', 'T', {}, metadata];

describe('takeReadHorizon', () => {
  it('takes the horizon row out wherever the plan put it, and keeps the event rows in their order', () => {
    const { horizon, events } = takeReadHorizon([event('7'), [null, '18446744073709551610', null, null, 'true', null, null], event('9')]);
    expect(horizon).toEqual({ horizon: 18446744073709551610n, blocked: true });
    expect(events.map((e) => e[0])).toEqual(['7', '9']);
  });

  it('reads a page with no event below the horizon', () => {
    expect(takeReadHorizon([[null, '812', null, null, 'false', null, null]])).toEqual({ horizon: { horizon: 812n, blocked: false }, events: [] });
  });

  it('refuses an answer without a horizon row rather than reading every event as seen', () => {
    expect(() => takeReadHorizon([event('1')])).toThrow(/no horizon row/);
  });

  it('refuses an answer with two horizon rows', () => {
    const row = [null, '5', null, null, 'false', null, null] as const;
    expect(() => takeReadHorizon([[...row], [...row]])).toThrow(/two horizon rows/);
  });
});
