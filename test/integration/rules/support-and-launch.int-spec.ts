import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { comparePositions, parsePosition } from '@relance/event-store';
import { ApiKeysRepository } from '../../../apps/engine/src/auth/api-keys.repository.js';
import { relance, until } from '../projector/support/child-process.js';
import { campaignsYaml, rulesEnv, type RulesEnv } from './support/rules-env.js';

/** Explain (CLI and support endpoint), dry run, on-demand launch (CLI and operator endpoint) and reload. */
const campaigns = (threshold: number) =>
  campaignsYaml(`
  - id: gros-panier
    name: Merci pour votre visite
    trigger: { type: purchase, filter: "event.totalCents >= ${threshold}" }
    audience: customer.type == "b2c"
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: big-basket }
  - id: degustation
    name: Invitation à la dégustation
    trigger: { type: manual }
    audience: customer.type == "b2c"
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: tasting-invitation }
  - id: anniversaire
    name: Joyeux anniversaire
    trigger: { type: birthday, daysBefore: 0, at: "10:00" }
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: birthday }
`);

let world: RulesEnv;
let support: string;
let operator: string;

beforeAll(async () => {
  world = await rulesEnv('rulessup', campaigns(15_000));
  const keys = new ApiKeysRepository(world.env.pool);
  support = (await keys.create(world.merchantId, 'support', 'support desk')).token;
  operator = (await keys.create(world.merchantId, 'operator', 'marketing')).token;
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const customer = (id: string, type: 'b2c' | 'b2b' = 'b2c') => ({
  type,
  ...(type === 'b2b' ? { businessCategory: 'restaurant' } : {}),
  profile: { firstName: 'Léa', email: `${id}@example.fr`, birthDate: '1980-02-29' },
  consents: [{ channel: 'email', purpose: 'marketing' }],
});

describe('explain', () => {
  it('lists every decision about the customer oldest first, with conditions, controls and outcome, from the CLI and for support only', async () => {
    const runtime = await world.runtime();
    await world.enrol('exp-b2b', customer('exp-b2b', 'b2b'));
    const first = await world.purchase('exp-b2b', 20_000);
    const second = await world.purchase('exp-b2b', 30_000);
    await world.purchase('exp-b2b', 1_000);
    await until(async () => (await world.decisions('gros-panier')).filter((d) => d.customerId === 'exp-b2b').length === 2, 30_000, 'two decisions');
    await runtime.stop();

    const res = await world.api<{ decisions: { outcome: string; reason: string; trigger: { description: string }; conditions: { expression: string; value: unknown; passed: boolean }[] }[] }>(
      'GET',
      '/v1/customers/exp-b2b/decisions',
      { key: support },
    );
    expect(res.status).toBe(200);
    expect(res.body.decisions.map((d) => [d.outcome, d.reason])).toEqual([
      ['suppressed', 'audience'],
      ['suppressed', 'audience'],
    ]);
    expect(res.body.decisions.map((d) => d.trigger.description.includes(first) || d.trigger.description.includes(second))).toEqual([true, true]);
    expect(res.body.decisions[0]!.trigger.description).toContain(first);
    expect(res.body.decisions[0]!.conditions).toEqual([{ expression: 'customer.type == "b2c"', value: { 'customer.type': 'b2b' }, passed: false, error: null }]);
    expect((await world.api('GET', '/v1/customers/exp-b2b/decisions', { key: operator })).status).toBe(403);
    expect((await world.api('GET', '/v1/customers/exp-b2b/decisions/degustation', { key: support })).body).toEqual({ customerId: 'exp-b2b', decisions: [] });

    const cli = relance(world.env, ['explain', '--merchant', world.merchantId, '--customer', 'exp-b2b'], { CONFIG_DIR: world.configDir });
    expect(await cli.exited).toBe(0);
    const text = cli.output();
    expect(text).toContain('gros-panier');
    expect(text).toContain('not sent: audience');
    expect(text).toContain('condition failed: customer.type == "b2c"  {"customer.type":"b2b"}');
    expect(text.indexOf(first)).toBeLessThan(text.indexOf(second));
  }, 150_000);
});

describe('dry run', () => {
  it('shows who a time campaign targets on a date and why, writing nothing', async () => {
    await world.enrol('dry-1', customer('dry-1'));
    await world.enrol('dry-2', customer('dry-2', 'b2b'));
    await world.projected();
    const events = async () => Number((await world.env.pool.query('SELECT count(*) FROM events')).rows[0].count);
    const decided = async () => Number((await world.env.pool.query('SELECT count(*) FROM campaign_decisions')).rows[0].count);
    const before = [await events(), await decided()];
    // 29 February births are celebrated on 28 February in common years.
    const cli = relance(world.env, ['rules', 'dry-run', '--merchant', world.merchantId, '--campaign', 'anniversaire', '--at', '2027-02-28'], { CONFIG_DIR: world.configDir });
    expect(await cli.exited).toBe(0);
    const out = cli.output();
    expect(out).toContain('dry run, nothing written');
    expect(out).toMatch(/dry-1: triggered → email; birthday on 2027-02-28/);
    expect(out).toMatch(/dry-2: triggered → email/);
    const summary = JSON.parse(out.trim().split('\n').at(-1)!) as { candidates: number; audienceCount: number };
    expect(summary.audienceCount).toBe(summary.candidates);
    expect([await events(), await decided()]).toEqual(before);
    const refused = relance(world.env, ['rules', 'dry-run', '--merchant', world.merchantId, '--campaign', 'gros-panier'], { CONFIG_DIR: world.configDir });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('decided per event');
  }, 150_000);
});

describe('an on-demand launch', () => {
  it('previews, then launches once on confirmation, and refuses a token whose audience changed', async () => {
    await world.enrol('launch-1', customer('launch-1'));
    await world.enrol('launch-2', customer('launch-2'));
    await world.projected();
    const preview = await world.api<{ token: string; preview: { audienceCount: number; estimates: { channel: string; messages: number }[] } }>('POST', '/v1/campaigns/degustation/launch-previews', { key: operator });
    expect(preview.status).toBe(201);
    const b2c = Number((await world.env.pool.query(`SELECT count(*) FROM customers WHERE merchant_id = $1 AND customer_type = 'b2c'`, [world.merchantId])).rows[0].count);
    expect(preview.body.preview.audienceCount).toBe(b2c);
    expect(preview.body.preview.estimates).toEqual([{ channel: 'email', messages: b2c, costCents: expect.any(Number) }]);
    expect((await world.api('POST', '/v1/campaigns/degustation/launch-previews', { key: support })).status).toBe(403);
    expect((await world.api('POST', '/v1/campaigns/gros-panier/launch-previews', { key: operator })).body).toMatchObject({ error: 'campaign-not-on-demand' });

    const launched = await world.api<{ decided: number; alreadyLaunched: boolean }>('POST', '/v1/campaigns/degustation/launches', { key: operator, body: { token: preview.body.token } });
    expect(launched.status).toBe(201);
    const active = Number((await world.env.pool.query(`SELECT count(*) FROM customers WHERE merchant_id = $1 AND status = 'active'`, [world.merchantId])).rows[0].count);
    // Every active customer is decided: the B2B ones as left out by the audience.
    expect(launched.body).toMatchObject({ decided: active, alreadyLaunched: false });
    const again = await world.api<{ decided: number; alreadyLaunched: boolean }>('POST', '/v1/campaigns/degustation/launches', { key: operator, body: { token: preview.body.token } });
    expect(again.body).toMatchObject({ decided: 0, alreadyLaunched: true });
    expect(await world.eventsOfType('CampaignLaunched')).toHaveLength(1);
    expect((await world.decisions('degustation')).filter((d) => d.type === 'CampaignTriggered')).toHaveLength(b2c);

    // The CLI: a preview, a customer who joins meanwhile, a refused confirmation, then a fresh one.
    const cliPreview = relance(world.env, ['campaigns', 'launch', '--merchant', world.merchantId, '--campaign', 'degustation'], { CONFIG_DIR: world.configDir });
    expect(await cliPreview.exited).toBe(0);
    const { token } = JSON.parse(cliPreview.output().trim().split('\n').at(-1)!) as { token: string };
    await world.enrol('launch-3', customer('launch-3'));
    await world.projected();
    const stale = relance(world.env, ['campaigns', 'launch', '--merchant', world.merchantId, '--campaign', 'degustation', '--confirm', token], { CONFIG_DIR: world.configDir });
    expect(await stale.exited).toBe(3);
    expect(stale.output()).toContain('preview again');
    expect(await world.eventsOfType('CampaignLaunched')).toHaveLength(1);
  }, 180_000);
});

describe('reload', () => {
  it('takes effect without a restart, and an evaluation in flight finishes on the version it started with', async () => {
    const runtime = await world.runtime();
    await world.enrol('reload-1', customer('reload-1'));
    const versionOf = async (purchaseId: string) => (await world.decisions('gros-panier')).find((d) => d.trigger!.description.includes(purchaseId))?.ruleVersion;
    // The rules engine is past the enrolment: the next batch it reads is the purchase's.
    const head = await world.env.store.headPosition();
    await until(async () => {
      const { rows } = await world.env.pool.query<{ position: string }>(`SELECT position FROM engine_checkpoints WHERE name LIKE 'rules:%'`);
      return rows.some((r) => comparePositions(parsePosition(r.position), head) >= 0);
    }, 20_000, 'the rules engine to pass the enrolment');
    const old = runtime.book.forMerchant(world.merchantId)!.active.find((c) => c.definition.id === 'gros-panier')!.ruleVersion;

    // Hold the merchant's rules lock: the next batch starts (on the rules in force) and waits on it.
    const holder = await world.env.pool.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [0x52554c45, world.merchantId]);
    const inFlight = await world.purchase('reload-1', 20_000);
    await until(async () => (await world.env.pool.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rowCount! > 0, 20_000, 'the batch to wait on the lock');
    await world.writeCampaigns(campaigns(10_000));
    const reload = relance(world.env, ['rules', 'reload'], { CONFIG_DIR: world.configDir });
    expect(await reload.exited).toBe(0);
    await until(async () => runtime.book.forMerchant(world.merchantId)!.active.find((c) => c.definition.id === 'gros-panier')!.ruleVersion !== old, 20_000, 'the reload');
    await holder.query('COMMIT');
    holder.release();
    await until(async () => (await versionOf(inFlight)) !== undefined, 20_000, 'the decision in flight');
    expect(await versionOf(inFlight)).toBe(old);

    const after = await world.purchase('reload-1', 12_000);
    await until(async () => (await versionOf(after)) !== undefined, 20_000, 'the decision on the new rules');
    expect(await versionOf(after)).not.toBe(old);
    await runtime.stop();
  }, 150_000);
});
