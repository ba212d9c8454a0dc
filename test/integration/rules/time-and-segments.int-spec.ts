import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addDaysToLocalDate, instantAtLocalTime, localDateOf } from '@relance/domain';
import { queueName } from '@relance/platform';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RfmRun } from '../../../apps/projector/src/rfm/rfm-run.js';
import { DEFAULT_STEPS } from '../../../apps/projector/src/rfm/rfm.sql.js';
import { TIME_RULES_QUEUE } from '../../../apps/engine/src/rules/time-schedule.js';
import { TEST_REDIS_URL } from '../../support/test-env.js';
import { until } from '../projector/support/child-process.js';
import { campaignsYaml, rulesEnv, type RulesEnv } from './support/rules-env.js';

/** Time triggers, the RFM baseline and challenges on real PostgreSQL and Redis (BullMQ). */
const ZONE = 'Europe/Paris';
const today = localDateOf(new Date().toISOString(), ZONE);
/** The rules engine's clock: today, after the birthday rule's 10:00. */
const now = instantAtLocalTime(today, '10:30', ZONE);
const clock = { now: () => new Date(now) };
const birthdayIn7 = addDaysToLocalDate(today, 7).slice(5);

const CAMPAIGNS = campaignsYaml(`
  - id: anniversaire
    name: Joyeux anniversaire
    trigger: { type: birthday, daysBefore: 7, at: "10:00" }
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: birthday }
      voucher: { valueCents: 1000, minimumPurchaseCents: 3000, validityDays: 30 }
  - id: a-risque
    name: On vous garde une bouteille
    trigger: { type: segment-entered, segments: [at-risk] }
    promotesAlcohol: false
    oncePer: year
    actions:
      message: { channels: [email], template: at-risk }
  - id: defi
    name: Le défi du mois
    trigger: { type: challenge, purchases: 3, period: month }
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: december-challenge }
      bonusPoints: 200
`);

let world: RulesEnv;

beforeAll(async () => {
  world = await rulesEnv('rulestime', CAMPAIGNS);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const emailConsent = (id: string, extra: Record<string, unknown> = {}) => ({
  profile: { firstName: 'Léa', email: `${id}@example.fr`, ...extra },
  consents: [{ channel: 'email', purpose: 'marketing' }],
});

describe('a birthday rule', () => {
  it('targets each customer once when its day runs on the schedule, runs again, and is forced again', async () => {
    for (let i = 0; i < 5; i++) await world.enrol(`bday-${i}`, emailConsent(`bday-${i}`, { birthDate: `1990-${birthdayIn7}` }));
    await world.enrol('bday-other', emailConsent('bday-other', { birthDate: `1990-${addDaysToLocalDate(today, 20).slice(5)}` }));
    await world.enrol('bday-noconsent', { profile: { firstName: 'Zoé', birthDate: `1985-${birthdayIn7}` } });
    await world.projected();

    // A rules process started now: one job scheduler in Redis per merchant and time campaign, at the
    // campaign's time in the merchant's zone, on the shared scheduler's queue of time rules.
    const runtime = await world.runtime({ clock, schedule: true });
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName(TIME_RULES_QUEUE), { connection, prefix: world.queuePrefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))).toEqual([{ key: `time-rule:anniversaire@${world.merchantId}`, pattern: '0 10 * * *', tz: ZONE }]);
    } finally {
      await queue.close();
      await connection.quit();
    }

    // Today's 10:00 fire, as BullMQ hands it to the worker; then the same fire again.
    const fire = new Date(instantAtLocalTime(today, '10:00', ZONE));
    expect(await runtime.scheduler!.runDue('time-rule:anniversaire', world.merchantId, fire, 'schedule')).toEqual({ ran: [today] });
    expect(await runtime.scheduler!.runDue('time-rule:anniversaire', world.merchantId, fire, 'schedule')).toEqual({ ran: [], skipped: 'done' });
    const { rows: runs } = await world.env.pool.query<{ period: string; status: string; summary: Record<string, unknown> }>(
      `SELECT period::text, status, summary FROM scheduled_runs WHERE merchant_id = $1 AND job = 'time-rule:anniversaire'`,
      [world.merchantId],
    );
    expect(runs).toEqual([{ period: today, status: 'done', summary: { days: [today], hits: 6, decided: 6, triggered: 5 } }]);
    // Forced outside the schedule: every key is already decided.
    const forced = await runtime.runTimeRule({ merchantId: world.merchantId, campaignId: 'anniversaire' });
    expect(forced).toMatchObject({ days: [today], hits: 6, decided: 0 });

    const decisions = await world.decisions('anniversaire');
    expect(decisions).toHaveLength(6);
    expect(new Set(decisions.map((d) => d.customerId)).size).toBe(6);
    expect(decisions.find((d) => d.customerId === 'bday-noconsent')).toMatchObject({ type: 'MessageSuppressed', reason: 'no-consent' });
    const triggered = decisions.filter((d) => d.type === 'CampaignTriggered');
    expect(triggered.every((d) => d.trigger.kind === 'time' && d.trigger.period === addDaysToLocalDate(today, 7))).toBe(true);
    const vouchers = await world.eventsOfType('VoucherIssued');
    expect(vouchers).toHaveLength(5);
    expect(vouchers.every((v) => /^ANNIVERS-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/.test(v.data.code as string) && v.data.campaignId === 'anniversaire')).toBe(true);
    const queued = await world.eventsOfType('MessageQueued');
    expect(queued.filter((q) => q.data.campaignId === 'anniversaire').map((q) => (q.data.voucher as { code: string }).code).sort()).toEqual(vouchers.map((v) => v.data.code).sort());
    await runtime.stop();
  }, 180_000);
});

describe('the RFM baseline', () => {
  it('triggers nothing, and the next day a customer entering at-risk gets the campaign once', async () => {
    const runtime = await world.runtime({ clock });
    const ids = Array.from({ length: 30 }, (_, i) => `rfm-${String(i).padStart(2, '0')}`);
    const daysAgo = (n: number) => new Date(Date.parse(now) - n * 86_400_000).toISOString();
    for (const [i, id] of ids.entries()) {
      await world.enrol(id, emailConsent(id));
      // Varied recency, frequency and spend, all before yesterday.
      for (let k = 0; k <= i % 4; k++) await world.purchase(id, 2_000 + ((i * 37) % 11) * 1_500, { purchasedAt: daysAgo(2 + ((i * 7) % 30) + k * 3) });
    }
    await world.projected();
    const rfm = new RfmRun(world.env.pool, world.env.store, clock);
    const params = (asOf: string) => ({ merchantId: world.merchantId, currency: 'EUR', asOf, windowMonths: 12, steps: DEFAULT_STEPS });
    const [baseline] = (await rfm.run(params(addDaysToLocalDate(today, -1)), 'run-baseline'))!;
    expect(baseline).toMatchObject({ scored: 30, changes: 0 });
    expect((await world.eventsOfType('RfmBaselineRecorded')).map((e) => e.data.scored)).toEqual([30]);
    expect(await world.eventsOfType('SegmentChanged')).toHaveLength(0);

    // The next day, half the customers come back: those who do not slip down the recency ranking.
    for (const id of ids.filter((_, i) => i % 2 === 0)) await world.purchase(id, 1_000, { purchasedAt: daysAgo(0) });
    await world.projected();
    const [next] = (await rfm.run(params(today), 'run-next'))!;
    const changes = (await world.eventsOfType('SegmentChanged')).map((e) => e.data as { customerId: string; from: string | null; to: string | null });
    expect(changes).toHaveLength(next!.changes);
    expect(next!.changes).toBeGreaterThan(0);
    const entered = changes.filter((c) => c.to === 'at-risk' && c.from !== 'at-risk').map((c) => c.customerId).sort();
    expect(entered.length).toBeGreaterThan(0);
    await until(async () => (await world.decisions('a-risque')).length >= entered.length, 30_000, 'the at-risk decisions');
    // Another run the same day announces nothing new, and nothing more is decided.
    const [same] = (await rfm.run(params(today), 'run-again'))!;
    expect(same).toMatchObject({ changes: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const decisions = await world.decisions('a-risque');
    expect(decisions.map((d) => d.customerId).sort()).toEqual(entered);
    expect(decisions.every((d) => d.type === 'CampaignTriggered' && d.trigger!.type === 'segment-entered')).toBe(true);
    await runtime.stop();
  }, 120_000);
});

describe('a challenge', () => {
  it('completed once grants its reward once, also when the rules subscription reads the month again', async () => {
    await world.enrol('defi-1', emailConsent('defi-1'));
    const runtime = await world.runtime({ clock });
    for (let i = 0; i < 4; i++) await world.purchase('defi-1', 2_500);
    await until(async () => (await world.eventsOfType('PointsEarned')).some((e) => e.data.sourceId === 'defi' && e.data.customerId === 'defi-1'), 30_000, 'the reward');
    await runtime.stop();
    // Read everything again from the start of the log, as after a lost checkpoint.
    await world.env.pool.query(`DELETE FROM engine_checkpoints WHERE name LIKE 'rules%'`);
    const again = await world.runtime({ clock });
    await until(async () => (await world.env.pool.query(`SELECT 1 FROM engine_checkpoints WHERE name LIKE 'rules%'`)).rowCount === 2, 30_000, 'a pass over the log');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await again.stop();
    const completed = (await world.eventsOfType('ChallengeCompleted')).filter((e) => e.data.customerId === 'defi-1');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.data).toMatchObject({ challengeId: 'defi', period: today.slice(0, 7), purchases: 3, bonusPoints: 200 });
    const rewards = (await world.eventsOfType('PointsEarned')).filter((e) => e.data.sourceId === 'defi' && e.data.customerId === 'defi-1');
    expect(rewards).toHaveLength(1);
    expect(rewards[0]!.data).toMatchObject({ points: 200, reason: 'challenge' });
    const decisions = (await world.decisions('defi')).filter((d) => d.customerId === 'defi-1');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ type: 'CampaignTriggered', controlGroup: false, actions: { bonusPoints: 200, voucherId: null } });
  }, 180_000);
});
