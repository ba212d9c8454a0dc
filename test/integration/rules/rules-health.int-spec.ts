import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { systemClock } from '@relance/platform';
import { portOf, serveRulesHealth } from '../../../apps/engine/src/rules/rules-http.js';
import { RuleBook } from '../../../apps/engine/src/rules/rule-book.js';
import { RulesRuntime } from '../../../apps/engine/src/rules/rules-runtime.js';
import { until } from '../projector/support/child-process.js';
import { campaignsYaml, rulesEnv, type RulesEnv } from './support/rules-env.js';

/**
 * A rules engine that cannot keep up shows it: here its decisions wait for a read model no
 * projector applies (as when the projector is down), so the purchase stays undecided, and the rules
 * process's /health turns degraded naming its subscription and how far behind it is, with the lag on
 * /metrics.
 */
const CAMPAIGNS = campaignsYaml(`
  - id: gros-panier
    name: Merci pour votre visite
    trigger: { type: purchase, filter: "event.totalCents >= 15000" }
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: big-basket }
`);

let world: RulesEnv;
let runtime: RulesRuntime;
let server: Server;
let base: string;

beforeAll(async () => {
  world = await rulesEnv('ruleshealth', CAMPAIGNS);
  const book = await RuleBook.from(world.configDir, [{ id: world.merchantId, folder: world.merchantId }]);
  const config = { ...world.config, lagAlertSeconds: 1, rulesPort: 0 };
  runtime = RulesRuntime.create({ config, book, clock: systemClock, schedule: false, readModels: ['no-projector-applies-this'], log: () => undefined });
  await runtime.start();
  server = await serveRulesHealth(() => runtime.healthChecks(), runtime.registry, config);
  base = `http://127.0.0.1:${portOf(server)}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await runtime?.stop();
  await world?.close();
});

const health = async () => {
  const res = await fetch(`${base}/health`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { status: string; error?: string }> } };
};

describe("the rules process's /health and /metrics", () => {
  it('answer ok while nothing waits, then degraded with the subscription and its lag once a purchase waits too long', async () => {
    const calm = await health();
    expect(calm.status).toBe(200);
    const names = Object.keys(calm.body.checks);
    expect(names).toEqual(expect.arrayContaining(['postgres']));
    const rules = names.find((n) => n.startsWith('rules:'));
    expect(rules).toMatch(/^rules:[0-9a-f]{16}$/);
    expect(names.some((n) => n.startsWith('rules-bonus:'))).toBe(true);

    await world.enrol('waits', { profile: { firstName: 'Ana', email: 'waits@example.fr' }, consents: [{ channel: 'email', purpose: 'marketing' }] });
    await world.purchase('waits', 20_000);

    let report = calm;
    await until(async () => (report = await health()).status === 503, 20_000, 'the rules process degraded');
    expect(report.body.status).toBe('degraded');
    expect(report.body.checks.postgres?.status).toBe('ok');
    expect(report.body.checks[rules!]).toMatchObject({ status: 'degraded' });
    expect(report.body.checks[rules!]?.error).toMatch(/^\d+ events, \d+ s behind the log's head$/);
    expect(await world.decisions('gros-panier')).toEqual([]);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    const lag = new RegExp(`^relance_subscription_lag_events\\{subscription="${rules}"\\} (\\d+)$`, 'm').exec(metrics);
    expect(Number(lag?.[1])).toBeGreaterThanOrEqual(1);

    const other = await fetch(`${base}/anything`);
    expect(other.status).toBe(404);
  }, 60_000);
});
