import { describe, expect, it } from '@jest/globals';
import type { ParkedPart } from './failures.js';
import { progressProblems } from './progress-problems.js';
import type { ProjectionProgress, RunnerStatus } from './projection-runner.js';

const at = new Date('2026-11-23T10:00:00.000Z');

function progress(name: string, extra: Partial<ProjectionProgress> = {}): ProjectionProgress {
  return { name, checkpoint: { commit: 812n, prepare: 40n }, backlog: { events: 0, complete: true, seconds: 0 }, lagSeconds: 0, stall: null, parked: [], ...extra };
}

const parked: ParkedPart = {
  projection: 'sales',
  merchantId: 'cave-1',
  position: { commit: 800n, prepare: -1n },
  eventId: '01939d1e-0000-7000-8000-000000000001',
  eventType: 'PurchaseRecorded',
  eventPosition: '801/33',
  error: 'value "1e+20" is out of range for type integer',
  failures: 2,
  parkedAt: at,
  retryAt: at,
};

describe('progressProblems', () => {
  it('has nothing to say while every projection keeps up', () => {
    const status: RunnerStatus = { failing: null, projections: [progress('sales', { backlog: { events: 3, complete: true, seconds: 59 } }), progress('kpis')] };
    expect(progressProblems(status, 60)).toEqual([]);
  });

  it('names a projection stopped as a whole, a waiting merchant with its event, and a projection too far behind', () => {
    const status: RunnerStatus = {
      failing: null,
      projections: [
        progress('kpis', { stall: { error: 'relation "daily_kpis" does not exist', failures: 3, since: at, retryAt: at } }),
        progress('sales', { parked: [parked] }),
        progress('customers', { backlog: { events: 100_000, complete: false, seconds: 75.4 } }),
      ],
    };
    expect(progressProblems(status, 60)).toEqual([
      'kpis stopped at 812/40 since 2026-11-23T10:00:00.000Z (3 attempts): relation "daily_kpis" does not exist',
      'sales: merchant cave-1 waits since 2026-11-23T10:00:00.000Z at event 01939d1e-0000-7000-8000-000000000001 (PurchaseRecorded) at 801/33: value "1e+20" is out of range for type integer',
      "customers: at least 100000 events, 75 s behind the log's head",
    ]);
  });

  it('reports batches failing as a whole', () => {
    expect(progressProblems({ failing: { since: at, error: 'Connection terminated' }, projections: [] }, 60)).toEqual([
      'batches failing since 2026-11-23T10:00:00.000Z: Connection terminated',
    ]);
  });
});
