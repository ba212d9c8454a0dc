import { afterAll, describe, expect, it } from '@jest/globals';
import { streams } from '@relance/domain';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-prog');
const started: TestEngine[] = [];

afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

async function activations(engine: TestEngine): Promise<{ version: string }[]> {
  const { rows } = await engine.pool.query<{ data: { version: string } }>('SELECT data FROM events WHERE stream_id = $1 ORDER BY stream_position', [streams.program(merchantId)]);
  return rows.map((r) => r.data);
}

describe('program versions', () => {
  it('records ProgramActivated once, even when replicas start together, and again only when the program changes', async () => {
    const merchant = await demoMerchant(merchantId);
    const replicas = await Promise.all([TestEngine.start([merchant]), TestEngine.start([merchant]), TestEngine.start([merchant])]);
    started.push(...replicas);
    expect(await activations(replicas[0]!)).toEqual([expect.objectContaining({ version: merchant.program.version })]);

    started.push(await TestEngine.start([merchant]));
    expect(await activations(replicas[0]!)).toHaveLength(1);

    const changed = await demoMerchant(merchantId, (program) => ({ ...program, earn: { ...program.earn, perEuro: 2 } }));
    expect(changed.program.version).not.toBe(merchant.program.version);
    started.push(await TestEngine.start([changed]));
    expect((await activations(replicas[0]!)).map((a) => a.version)).toEqual([merchant.program.version, changed.program.version]);
  }, 180_000);

  it('decides with the program in force and records its version on the points', async () => {
    const engine = started.at(-1)!;
    const pos = await engine.key(merchantId, 'pos');
    await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'iris' } });
    const res = await engine.call('POST', '/v1/purchases', {
      key: pos,
      body: { customerId: 'iris', storeId: 'halles', currency: 'EUR', purchasedAt: new Date().toISOString(), lines: [{ sku: 'A', name: 'Vin', quantity: 1, unitPriceCents: 1000 }] },
    });
    expect(res.body).toMatchObject({ pointsEarned: 20 });
    const earned = (await engine.events(merchantId)).find((e) => e.type === 'PointsEarned');
    expect(earned?.data).toMatchObject({ programVersion: (await activations(engine)).at(-1)!.version });
  });
});
