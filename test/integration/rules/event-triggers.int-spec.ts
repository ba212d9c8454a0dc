import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { until } from '../projector/support/child-process.js';
import { campaignsYaml, rulesEnv, type RulesEnv } from './support/rules-env.js';

/**
 * Event triggers on real PostgreSQL: a purchase over the threshold gives exactly one decision per
 * (purchase, campaign), whatever happens to the rules processes; consent and caps decide from the
 * read models and the bookkeeping.
 */
const CAMPAIGNS = campaignsYaml(`
  - id: gros-panier
    name: Merci pour votre visite
    priority: 50
    trigger: { type: purchase, filter: "event.totalCents >= 15000" }
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: big-basket }
      bonusPoints: 100
`);

let world: RulesEnv;

beforeAll(async () => {
  world = await rulesEnv('rulesev', CAMPAIGNS);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const withEmail = (id: string) => ({ profile: { firstName: 'Ana', email: `${id}@example.fr` }, consents: [{ channel: 'email', purpose: 'marketing' }] });

async function bigAndSmallPurchases(prefix: string, customers: number): Promise<string[]> {
  const big: string[] = [];
  for (let i = 0; i < customers; i++) {
    const id = `${prefix}-${i}`;
    await world.enrol(id, withEmail(id));
    big.push(await world.purchase(id, 20_000));
    await world.purchase(id, 5_000);
  }
  return big;
}

async function expectOneDecisionPerPurchase(purchaseIds: readonly string[]): Promise<void> {
  const decisions = (await world.decisions('gros-panier')).filter((d) => purchaseIds.some((p) => d.trigger!.description.includes(p)));
  expect(decisions).toHaveLength(purchaseIds.length);
  expect(new Set(decisions.map((d) => d.trigger!.eventId)).size).toBe(purchaseIds.length);
  expect(decisions.every((d) => d.type === 'CampaignTriggered' && d.channel === 'email')).toBe(true);
  const messageIds = new Set(decisions.map((d) => (d.type === 'CampaignTriggered' ? d.messageId : null)));
  const queued = (await world.eventsOfType('MessageQueued')).filter((e) => messageIds.has(e.data.messageId as string));
  expect(queued).toHaveLength(purchaseIds.length);
  const customers = new Set(decisions.map((d) => d.customerId));
  const bonuses = (await world.eventsOfType('PointsEarned')).filter((e) => e.data.sourceId === 'gros-panier' && customers.has(e.data.customerId as string));
  expect(bonuses).toHaveLength(purchaseIds.length);
  expect(bonuses.every((b) => b.data.points === 100 && b.data.reason === 'bonus')).toBe(true);
}

describe('a purchase over the threshold', () => {
  it('gives exactly one decision when the rules process is killed mid-batch and started again', async () => {
    const purchases = await bigAndSmallPurchases('kill', 30);
    await world.projected();
    const first = world.child(['--batch-size', '4']);
    await until(async () => (await world.decisions('gros-panier')).length >= 3, 60_000, 'the first decisions', first.output);
    first.child.kill('SIGKILL');
    await first.exited;
    const partial = (await world.decisions('gros-panier')).length;
    expect(partial).toBeLessThan(30);
    const second = world.child(['--batch-size', '4']);
    await until(async () => (await world.decisions('gros-panier')).length >= 30, 60_000, 'every decision', second.output);
    await until(async () => (await world.eventsOfType('PointsEarned')).filter((e) => e.data.sourceId === 'gros-panier').length >= 30, 30_000, 'every bonus', second.output);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await expectOneDecisionPerPurchase(purchases);
  }, 180_000);

  it('gives exactly one decision when two rules processes run at once', async () => {
    const one = world.child(['--batch-size', '3']);
    const two = world.child(['--batch-size', '3']);
    const purchases = await bigAndSmallPurchases('two', 25);
    await until(async () => (await world.decisions('gros-panier')).length >= 55, 90_000, 'every decision', () => one.output() + two.output());
    await until(async () => (await world.eventsOfType('PointsEarned')).filter((e) => e.data.sourceId === 'gros-panier').length >= 55, 30_000, 'every bonus');
    // Both processes stay at it a moment: nothing more may come.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    one.child.kill('SIGTERM');
    two.child.kill('SIGTERM');
    expect(await one.exited).toBe(0);
    expect(await two.exited).toBe(0);
    await expectOneDecisionPerPurchase(purchases);
    expect(await world.decisions('gros-panier')).toHaveLength(55);
  }, 180_000);
});

describe('controls fed from the read models and the bookkeeping', () => {
  it('suppresses with no-consent once the email consent was withdrawn', async () => {
    const runtime = await world.runtime();
    await world.enrol('withdrawn', withEmail('withdrawn'));
    const res = await world.api('POST', '/v1/customers/withdrawn/consents/withdraw', { body: { channel: 'email', purpose: 'marketing' } });
    expect(res.status).toBe(200);
    const purchaseId = await world.purchase('withdrawn', 30_000);
    await until(async () => (await world.decisions('gros-panier')).some((d) => d.customerId === 'withdrawn'), 30_000, 'the decision');
    const decision = (await world.decisions('gros-panier')).find((d) => d.customerId === 'withdrawn')!;
    expect(decision).toMatchObject({ type: 'MessageSuppressed', reason: 'no-consent', messageId: null });
    expect(decision.trigger?.description).toContain(purchaseId);
    expect(decision.channelReasons).toEqual([{ channel: 'email', usable: false, reason: 'no-consent', detail: 'no marketing consent for email' }]);
    await runtime.stop();
  }, 150_000);

  it('suppresses with frequency-cap the third marketing message in 7 days, naming the campaigns counted', async () => {
    const runtime = await world.runtime();
    await world.enrol('capped', withEmail('capped'));
    for (let i = 0; i < 3; i++) await world.purchase('capped', 16_000);
    await until(async () => (await world.decisions('gros-panier')).filter((d) => d.customerId === 'capped').length === 3, 30_000, 'three decisions');
    const decisions = (await world.decisions('gros-panier')).filter((d) => d.customerId === 'capped');
    expect(decisions.map((d) => d.type)).toEqual(['CampaignTriggered', 'CampaignTriggered', 'MessageSuppressed']);
    expect(decisions[2]).toMatchObject({ reason: 'frequency-cap', detail: '2 marketing messages in the last 7 days (gros-panier); at most 2' });
    await runtime.stop();
  }, 150_000);
});
