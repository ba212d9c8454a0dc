import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { comparePositions, parsePosition } from '@relance/event-store';
import { ROOT } from '../../e2e/support/engine-harness.js';
import { until } from '../projector/support/child-process.js';
import { campaignsYaml, rulesEnv, type RulesEnv } from './support/rules-env.js';

/**
 * The rules engine's event triggers on the shared checkpointed consumer: its checkpoint is a row of
 * engine_checkpoints, carried over from rules_checkpoints by migration 0071, and every start resumes
 * from it. Purchases left behind that checkpoint are the proof: a start that read the log from its
 * beginning would decide them.
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

beforeAll(async () => {
  world = await rulesEnv('rulesresume', CAMPAIGNS);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const withEmail = (id: string) => ({ profile: { firstName: 'Ana', email: `${id}@example.fr` }, consents: [{ channel: 'email', purpose: 'marketing' }] });

async function bigPurchases(prefix: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    await world.enrol(`${prefix}-${i}`, withEmail(`${prefix}-${i}`));
    ids.push(await world.purchase(`${prefix}-${i}`, 20_000));
  }
  return ids;
}

const decidedPurchases = async (purchaseIds: readonly string[]) =>
  (await world.decisions('gros-panier')).filter((d) => purchaseIds.some((p) => d.trigger!.description.includes(p)));

describe('the rules subscription', () => {
  it('resumes from the checkpoint a previous version left in rules_checkpoints, and from its own after a restart', async () => {
    const name = `rules:${createHash('sha256').update(world.merchantId).digest('hex').slice(0, 16)}`;
    // Purchases that an engine of the previous version had passed: its checkpoint is at the head.
    const behind = await bigPurchases('behind', 3);
    await world.projected();
    const head = await world.env.store.headPosition();
    await world.env.pool.query('INSERT INTO rules_checkpoints (name, commit_position, prepare_position) VALUES ($1, $2, $3)', [name, head.commit.toString(), head.prepare.toString()]);
    // What `relance migrate` runs on that database (applied here again: it only moves a checkpoint forward).
    await world.env.pool.query(await readFile(path.join(ROOT, 'migrations/0071_rules_checkpoints_to_engine.sql'), 'utf8'));
    const carried = await world.env.pool.query<{ position: string }>('SELECT position FROM engine_checkpoints WHERE name = $1', [name]);
    expect(carried.rows.map((r) => parsePosition(r.position))).toEqual([head]);

    const first = await world.runtime();
    const after = await bigPurchases('after', 3);
    await until(async () => (await decidedPurchases(after)).length === 3, 30_000, 'the decisions after the checkpoint');
    await first.stop();
    const stopped = parsePosition((await world.env.pool.query<{ position: string }>('SELECT position FROM engine_checkpoints WHERE name = $1', [name])).rows[0]!.position);
    expect(comparePositions(stopped, head)).toBeGreaterThan(0);

    // While no rules process runs, more purchases; the next start decides those only.
    const later = await bigPurchases('later', 2);
    const second = await world.runtime();
    await until(async () => (await decidedPurchases(later)).length === 2, 30_000, 'the decisions after the restart');
    // A moment more for anything it would read again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await second.stop();
    expect(await decidedPurchases(behind)).toEqual([]);
    expect((await decidedPurchases(after)).length).toBe(3);
    expect((await decidedPurchases(later)).length).toBe(2);
    expect((await world.decisions('gros-panier')).length).toBe(5);
  }, 150_000);
});
