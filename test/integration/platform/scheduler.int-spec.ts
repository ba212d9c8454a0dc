import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createPool, type Pool, type ScheduledJob, type ScheduledRun } from '@relance/platform';
import { TEST_DATABASE_URL } from '@relance/testing/test-env.js';
import { SchedulerFleet, testClock } from '../../support/test-scheduler.js';

/** A job that records its runs, for merchants of this test only. */
function recordingJob(name: string, merchants: readonly string[], options: Partial<ScheduledJob> = {}): ScheduledJob & { runs: ScheduledRun[] } {
  const runs: ScheduledRun[] = [];
  return {
    name,
    cron: '0 4 * * *',
    catchUp: 'latest',
    merchants: merchants.map((id) => ({ id, timeZone: 'Europe/Paris' })),
    runs,
    async run(run) {
      runs.push(run);
      return { n: runs.length };
    },
    ...options,
  };
}

const until = async (condition: () => Promise<boolean>, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('the scheduler: BullMQ fires, the PostgreSQL ledger decides', () => {
  let fleet: SchedulerFleet;
  let pool: Pool;
  const merchant = () => `m-${randomBytes(4).toString('hex')}`;
  beforeAll(() => {
    fleet = new SchedulerFleet(TEST_DATABASE_URL);
    pool = createPool(TEST_DATABASE_URL, { max: 2 });
  });
  afterAll(async () => {
    await fleet.close(['tick', 'daily', 'weekly', 'fragile', 'family']);
    await pool.end();
  });

  const ledger = async (job: string, merchantId: string) =>
    (
      await pool.query<{ period: string; covers_from: string; status: string; trigger: string; attempts: number; error: string | null }>(
        'SELECT period::text, covers_from::text, status, trigger, attempts, error FROM scheduled_runs WHERE merchant_id = $1 AND job = $2 ORDER BY period',
        [merchantId, job],
      )
    ).rows;

  it('has BullMQ fire every occurrence to one of two processes, and runs the day once among all fires', async () => {
    const m = merchant();
    // Every second: many fires, all for today's date in UTC.
    const [a, b] = [recordingJob('tick', [m], { cron: '* * * * * *' }), recordingJob('tick', [m], { cron: '* * * * * *' })];
    const sa = fleet.instance(testClock(new Date().toISOString()), [a]);
    const sb = fleet.instance(testClock(new Date().toISOString()), [b]);
    await Promise.all([sa.start(), sb.start()]);
    const queue = fleet.queue('tick');
    await until(async () => ((await queue.getJobCounts('completed')).completed ?? 0) >= 3);
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual([`tick@${m}`]);
    const runs = [...a.runs, ...b.runs];
    // Each run is a fire from BullMQ for a distinct day (one, unless the test straddles midnight).
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(new Set(runs.map((r) => r.period)).size).toBe(runs.length);
    expect(runs.every((r) => r.trigger === 'schedule' && r.merchantId === m)).toBe(true);
    expect((await ledger('tick', m)).map((r) => ({ status: r.status, attempts: r.attempts }))).toEqual(runs.map(() => ({ status: 'done', attempts: 1 })));
    await Promise.all([fleet.stop(sa), fleet.stop(sb)]);
  });

  it('runs every missed day in order for a job that asks for it, and only those after the last one done', async () => {
    const m = merchant();
    const job = recordingJob('daily', [m], { catchUp: 'every' });
    const clock = testClock('2026-05-04T08:00:00.000Z');
    const first = fleet.instance(clock, [job]);
    await first.runDue('daily', m, new Date('2026-05-04T02:00:00.000Z'), 'schedule');
    await fleet.stop(first);
    // Down from 5 to 7 May; back at 10:00 on 8 May, Paris time.
    clock.set('2026-05-08T08:00:00.000Z');
    await fleet.instance(clock, [job]).start();
    expect(job.runs.map((r) => [r.period, r.coversFrom, r.trigger])).toEqual([
      ['2026-05-04', '2026-05-04', 'schedule'],
      ['2026-05-05', '2026-05-05', 'catch-up'],
      ['2026-05-06', '2026-05-06', 'catch-up'],
      ['2026-05-07', '2026-05-07', 'catch-up'],
      ['2026-05-08', '2026-05-08', 'catch-up'],
    ]);
    expect((await ledger('daily', m)).map((r) => r.period)).toEqual(['2026-05-04', '2026-05-05', '2026-05-06', '2026-05-07', '2026-05-08']);
  });

  it('waits for the first fire of a job that never ran, and catches up nothing before 04:00 local', async () => {
    const m = merchant();
    const job = recordingJob('weekly', [m], { cron: '0 4 * * 1' });
    await fleet.instance(testClock('2026-05-06T08:00:00.000Z'), [job]).start();
    expect(job.runs).toEqual([]);
    const s = fleet.instance(testClock('2026-05-11T01:00:00.000Z'), [job]); // Monday 03:00 Paris: not yet due
    await s.runDue('weekly', m, new Date('2026-05-04T02:00:00.000Z'), 'schedule');
    await s.catchUp();
    expect(job.runs.map((r) => r.period)).toEqual(['2026-05-04']);
  });

  it('records a failed run, shows it on /health until a retry succeeds, and lets the retry take the day', async () => {
    const m = merchant();
    let fail = true;
    const job = recordingJob('fragile', [m]);
    const fragile: ScheduledJob = {
      ...job,
      async run(run) {
        if (fail) throw new Error('read model not there yet');
        return job.run(run);
      },
    };
    const s = fleet.instance(testClock('2026-05-04T08:00:00.000Z'), [fragile]);
    const fire = new Date('2026-05-04T02:00:00.000Z');
    await expect(s.runDue('fragile', m, fire, 'schedule')).rejects.toThrow('read model not there yet');
    expect(await ledger('fragile', m)).toEqual([{ period: '2026-05-04', covers_from: '2026-05-04', status: 'failed', trigger: 'schedule', attempts: 1, error: 'read model not there yet' }]);
    await expect(s.healthCheck().check()).rejects.toThrow(`fragile@${m} 2026-05-04: read model not there yet`);
    fail = false;
    expect(await s.runDue('fragile', m, fire, 'schedule')).toEqual({ ran: ['2026-05-04'] });
    expect((await ledger('fragile', m))[0]).toMatchObject({ status: 'done', attempts: 2, error: null });
    await expect(s.healthCheck().check()).resolves.toBeUndefined();
  });

  it('refuses a job with an invalid cron or name when it is registered', () => {
    const s = fleet.instance(testClock('2026-05-04T08:00:00.000Z'), []);
    expect(() => s.register(recordingJob('bad', ['x'], { cron: '0 25 * * *' }))).toThrow(/Scheduled job "bad": invalid cron "0 25 \* \* \*"/);
    expect(() => s.register(recordingJob('Bad:Name', ['x']))).toThrow(/lower-case letters/);
    // A key after the family's name only on a shared queue; a merchant's own cron is checked too.
    expect(() => s.register(recordingJob('family:k1', ['x']))).toThrow(/lower-case letters/);
    expect(() => s.register(recordingJob('family:k1', ['x'], { queue: 'family' }))).not.toThrow();
    expect(() =>
      s.register(recordingJob('family:k2', ['x'], { queue: 'family', merchants: [{ id: 'x', timeZone: 'UTC', cron: '61 * * * *' }] })),
    ).toThrow(/Scheduled job "family:k2@x": invalid cron/);
  });

  it('runs jobs of one shared queue at each merchant\'s own time, and replaces them', async () => {
    const [m1, m2] = [merchant(), merchant()];
    const k1 = recordingJob('family:k1', [], { queue: 'family', merchants: [{ id: m1, timeZone: 'Europe/Paris', cron: '0 10 * * *' }, { id: m2, timeZone: 'Asia/Tokyo', cron: '30 9 * * *' }] });
    const k2 = recordingJob('family:k2', [m1], { queue: 'family' });
    const s = fleet.instance(testClock('2026-05-04T09:00:00.000Z'), []);
    await s.replace('family', [k1, k2], [m1, m2]);
    await s.start();
    const queue = fleet.queue('family');
    const schedulers = async () => (await queue.getJobSchedulers()).filter((j) => j.key.endsWith(m1) || j.key.endsWith(m2)).map((j) => ({ key: j.key, pattern: j.pattern, tz: j.tz }));
    expect((await schedulers()).sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      [
        { key: `family:k1@${m1}`, pattern: '0 10 * * *', tz: 'Europe/Paris' },
        { key: `family:k1@${m2}`, pattern: '30 9 * * *', tz: 'Asia/Tokyo' },
        { key: `family:k2@${m1}`, pattern: '0 4 * * *', tz: 'Europe/Paris' },
      ].sort((a, b) => a.key.localeCompare(b.key)),
    );
    // The run's day is the merchant's own: 09:30 in Tokyo on 4 May is 00:30 UTC.
    expect(await s.runDue('family:k1', m2, new Date('2026-05-04T00:30:00.000Z'), 'schedule')).toEqual({ ran: ['2026-05-04'] });
    expect(k1.runs.map((r) => ({ merchant: r.merchantId, period: r.period }))).toEqual([{ merchant: m2, period: '2026-05-04' }]);

    // k2 goes, k1 stays for m1 only: the schedulers of the merchants served follow.
    const k1Only = recordingJob('family:k1', [], { queue: 'family', merchants: [{ id: m1, timeZone: 'Europe/Paris', cron: '0 11 * * *' }] });
    await s.replace('family', [k1Only], [m1, m2]);
    expect(await schedulers()).toEqual([{ key: `family:k1@${m1}`, pattern: '0 11 * * *', tz: 'Europe/Paris' }]);
    expect(s.registered().map((j) => j.name)).toEqual(['family:k1']);
    await fleet.stop(s);
  });
});
