import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addDaysToLocalDate, instantAtLocalTime, localDateOf } from '@relance/domain';
import { queueName } from '@relance/platform';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { TIME_RULES_QUEUE } from '../../../apps/engine/src/rules/time-schedule.js';
import { TEST_REDIS_URL } from '../../support/test-env.js';
import { campaignsYaml, rulesEnv, type RulesEnv } from './support/rules-env.js';

/**
 * Time rules on the shared scheduler, with two rules processes (each its own PostgreSQL pool and
 * Redis connection) on real PostgreSQL and Redis: one run per merchant, campaign and local day, and
 * the day missed while every process was down caught up once when they come back.
 */
const ZONE = 'Europe/Paris';
const today = localDateOf(new Date().toISOString(), ZONE);
const day = (offset: number) => addDaysToLocalDate(today, offset);
/** A clock at 10:30 on a local day: after the rule's 10:00. */
const at = (date: string) => {
  const instant = new Date(instantAtLocalTime(date, '10:30', ZONE));
  return { now: () => instant };
};
const fireOn = (date: string) => new Date(instantAtLocalTime(date, '10:00', ZONE));
const JOB = 'time-rule:anniversaire';

const CAMPAIGNS = campaignsYaml(`
  - id: anniversaire
    name: Joyeux anniversaire
    trigger: { type: birthday, daysBefore: 7, at: "10:00" }
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: birthday }
`);

let world: RulesEnv;

beforeAll(async () => {
  world = await rulesEnv('rulessched', CAMPAIGNS);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const customer = (id: string, birthdayOn: string) => ({
  profile: { firstName: 'Léa', email: `${id}@example.fr`, birthDate: `1990-${birthdayOn.slice(5)}` },
  consents: [{ channel: 'email', purpose: 'marketing' }],
});

const ledger = async () =>
  (
    await world.env.pool.query<{ period: string; covers_from: string; trigger: string; status: string; attempts: number; decided: number }>(
      `SELECT period::text, covers_from::text, trigger, status, attempts, (summary->>'decided')::int AS decided
         FROM scheduled_runs WHERE merchant_id = $1 AND job = $2 ORDER BY period`,
      [world.merchantId, JOB],
    )
  ).rows;

describe('a time rule on the shared scheduler', () => {
  it('runs once per day between two processes, and catches up the day missed while both were down', async () => {
    // Birthdays 7 days after the day before yesterday, yesterday and today: one customer for each.
    await world.enrol('bday-d2', customer('bday-d2', day(5)));
    await world.enrol('bday-d1', customer('bday-d1', day(6)));
    await world.enrol('bday-d0', customer('bday-d0', day(7)));
    await world.projected();

    // The day before yesterday: two processes, one fire of BullMQ handed to each (as a retry would).
    const [a, b] = await Promise.all([world.runtime({ clock: at(day(-2)), schedule: true }), world.runtime({ clock: at(day(-2)), schedule: true })]);
    const outcomes = await Promise.all([a, b].map((r) => r.scheduler!.runDue(JOB, world.merchantId, fireOn(day(-2)), 'schedule')));
    expect(outcomes.map((o) => o.ran).flat()).toEqual([day(-2)]);
    expect(outcomes.filter((o) => o.skipped === 'done')).toHaveLength(1);
    expect((await world.decisions('anniversaire')).map((d) => d.customerId)).toEqual(['bday-d2']);
    await Promise.all([a.stop(), b.stop()]);

    // Both down yesterday; back today after 10:00, together: one of them runs today, covering yesterday.
    const [c, d] = await Promise.all([world.runtime({ clock: at(today), schedule: true }), world.runtime({ clock: at(today), schedule: true })]);
    expect(await ledger()).toEqual([
      { period: day(-2), covers_from: day(-2), trigger: 'schedule', status: 'done', attempts: 1, decided: 1 },
      { period: today, covers_from: day(-1), trigger: 'catch-up', status: 'done', attempts: 1, decided: 2 },
    ]);
    // Today's fire afterwards, to either process: the day is done.
    expect(await c.scheduler!.runDue(JOB, world.merchantId, fireOn(today), 'schedule')).toEqual({ ran: [], skipped: 'done' });
    expect(await d.scheduler!.runDue(JOB, world.merchantId, fireOn(today), 'schedule')).toEqual({ ran: [], skipped: 'done' });

    const decisions = await world.decisions('anniversaire');
    expect(decisions.map((x) => x.customerId).sort()).toEqual(['bday-d0', 'bday-d1', 'bday-d2']);
    expect(decisions.every((x) => x.type === 'CampaignTriggered')).toBe(true);
    expect(new Set(decisions.map((x) => (x.type === 'CampaignTriggered' ? x.trigger.period : null)))).toEqual(new Set([day(5), day(6), day(7)]));
    await Promise.all([c.stop(), d.stop()]);
  }, 180_000);

  it('drops the schedulers of a campaign that is no longer timed when the rules are reloaded', async () => {
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName(TIME_RULES_QUEUE), { connection, prefix: world.queuePrefix });
    const schedulers = async () => (await queue.getJobSchedulers()).map((s) => s.key);
    const runtime = await world.runtime({ clock: at(today), schedule: true });
    expect(runtime.scheduler!.registered().map((j) => j.name)).toEqual([JOB]);
    expect(await schedulers()).toEqual([`${JOB}@${world.merchantId}`]);
    await world.writeCampaigns(
      campaignsYaml(`
  - id: gros-panier
    name: Merci
    trigger: { type: purchase, filter: "event.totalCents >= 15000" }
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: big-basket }
`),
    );
    await runtime.reload('test');
    expect(runtime.scheduler!.registered()).toEqual([]);
    expect(await schedulers()).toEqual([]);
    await queue.close();
    await connection.quit();
    expect(await runtime.scheduler!.runDue(JOB, world.merchantId, fireOn(today), 'schedule').catch((e: Error) => e.message)).toBe(`No scheduled job "${JOB}"`);
    await runtime.stop();
  }, 60_000);
});
