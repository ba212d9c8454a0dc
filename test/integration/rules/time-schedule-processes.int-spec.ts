import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addDaysToLocalDate, localDateOf } from '@relance/domain';
import { queueName } from '@relance/platform';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { TIME_RULES_QUEUE } from '../../../apps/engine/src/rules/time-schedule.js';
import { ROOT } from '../../e2e/support/engine-harness.js';
import { TEST_REDIS_URL } from '../../support/test-env.js';
import { relance, until } from '../projector/support/child-process.js';
import { campaignsYaml, rulesEnv, type RulesEnv } from './support/rules-env.js';

/**
 * Two `relance rules run` processes (the real command, its own clock) started together after a day
 * the rule missed: the day the previous version ran last is carried into the run ledger by migration
 * 0072, and today's run, covering yesterday, happens once between them.
 */
const ZONE = 'Europe/Paris';
const JOB = 'time-rule:anniversaire';
// At midnight: whenever the test runs, today's time has come.
const CAMPAIGNS = campaignsYaml(`
  - id: anniversaire
    name: Joyeux anniversaire
    trigger: { type: birthday, daysBefore: 7, at: "00:00" }
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: birthday }
`);

let world: RulesEnv;

beforeAll(async () => {
  world = await rulesEnv('rulesproc', CAMPAIGNS);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe('time rules in two rules processes', () => {
  it('catch up the missed day once between them, from the last day the previous version recorded', async () => {
    const today = localDateOf(new Date().toISOString(), ZONE);
    const day = (offset: number) => addDaysToLocalDate(today, offset);
    const customer = (id: string, birthdayOn: string) => ({
      profile: { firstName: 'Léa', email: `${id}@example.fr`, birthDate: `1990-${birthdayOn.slice(5)}` },
      consents: [{ channel: 'email', purpose: 'marketing' }],
    });
    await world.enrol('bday-d1', customer('bday-d1', day(6)));
    await world.enrol('bday-d0', customer('bday-d0', day(7)));
    await world.enrol('bday-d8', customer('bday-d8', day(8)));
    await world.projected();
    // The previous version ran the rule the day before yesterday; `relance migrate` carries that over.
    await world.env.pool.query(`INSERT INTO time_rule_runs (merchant_id, campaign_id, last_run_on, rule_version, decided, ran_at) VALUES ($1, 'anniversaire', $2, 'v0', 0, now())`, [
      world.merchantId,
      day(-2),
    ]);
    await world.env.pool.query(await readFile(path.join(ROOT, 'migrations/0072_time_rule_runs_to_scheduled_runs.sql'), 'utf8'));

    const run = () => relance(world.env, ['rules', 'run'], { CONFIG_DIR: world.configDir, REDIS_URL: TEST_REDIS_URL, RULES_PORT: '0' });
    const [one, two] = [run(), run()];
    const output = () => one.output() + two.output();
    try {
      await until(async () => (await world.decisions('anniversaire')).length >= 2, 60_000, 'the catch-up decisions', output);
      await until(async () => output().split('rules engine started').length === 3, 30_000, 'both processes started', output);
      const { rows } = await world.env.pool.query<{ period: string; covers_from: string; trigger: string; status: string; attempts: number; owner: string }>(
        'SELECT period::text, covers_from::text, trigger, status, attempts, owner FROM scheduled_runs WHERE merchant_id = $1 AND job = $2 ORDER BY period',
        [world.merchantId, JOB],
      );
      expect(rows.map(({ owner, ...r }) => r)).toEqual([
        { period: day(-2), covers_from: day(-2), trigger: 'schedule', status: 'done', attempts: 1 },
        { period: today, covers_from: day(-1), trigger: 'catch-up', status: 'done', attempts: 1 },
      ]);
      expect([one.child.pid, two.child.pid].map((pid) => `:${pid}`)).toContainEqual(rows[1]!.owner.slice(rows[1]!.owner.lastIndexOf(':')));
      // One job scheduler between the two processes, at the campaign's time in the merchant's zone.
      const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
      const queue = new Queue(queueName(TIME_RULES_QUEUE), { connection, prefix: 'relance' });
      try {
        const mine = (await queue.getJobSchedulers()).filter((s) => s.key.endsWith(`@${world.merchantId}`));
        expect(mine.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))).toEqual([{ key: `${JOB}@${world.merchantId}`, pattern: '0 0 * * *', tz: ZONE }]);
        await queue.removeJobScheduler(`${JOB}@${world.merchantId}`);
      } finally {
        await queue.close();
        await connection.quit();
      }
    } finally {
      one.child.kill('SIGTERM');
      two.child.kill('SIGTERM');
    }
    expect(await one.exited).toBe(0);
    expect(await two.exited).toBe(0);
    const decisions = await world.decisions('anniversaire');
    expect(decisions.map((d) => d.customerId).sort()).toEqual(['bday-d0', 'bday-d1']);
  }, 150_000);
});
