import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { streams, type DomainEvent } from '@relance/domain';
import { tiersProjection } from '../../../apps/projector/src/projections/tiers.projection.js';
import { projectionSpec, type ProjectionSpec } from './support/projection-spec.js';

const change = (customerId: string, from: string | null, to: string, spend: number, at: string): DomainEvent => ({
  type: 'TierChanged',
  data: {
    customerId,
    from,
    to,
    direction: 'up',
    currency: 'EUR',
    rollingSpendCents: spend,
    windowStart: '2025-01-01T00:00:00.000Z',
    guaranteedUntil: null,
    programVersion: 'v1',
    changedAt: at,
  },
});

/** The tiers read model through the projection test helper: given events, then rows. */
describe('tiers read model', () => {
  let spec: ProjectionSpec;
  beforeAll(async () => {
    spec = await projectionSpec(tiersProjection);
  }, 60_000);
  afterAll(async () => spec.close());

  it('keeps every change and the tier each customer holds, the latest change winning within a batch and across batches', async () => {
    const alice = streams.customer(spec.merchantId, 'alice');
    await spec.given(alice, [change('alice', null, 'decouverte', 0, '2026-01-02T10:00:00.000Z'), change('alice', 'decouverte', 'amateur', 34500, '2026-01-20T10:00:00.000Z')]);
    await spec.given(alice, [change('alice', 'amateur', 'connaisseur', 138500, '2026-03-05T10:00:00.000Z')]);
    expect((await spec.rows('customer_tiers')).map((t) => [t.customer_id, t.tier, t.rolling_spend_cents, t.currency, t.since])).toEqual([
      ['alice', 'connaisseur', 138500, 'EUR', '2026-03-05T10:00:00+00:00'],
    ]);
    expect((await spec.rows('tier_history')).map((h) => [h.from_tier, h.to_tier, h.rolling_spend_cents]).sort()).toEqual(
      [[null, 'decouverte', 0], ['decouverte', 'amateur', 34500], ['amateur', 'connaisseur', 138500]].sort(),
    );
  });

  it('is unchanged by a replay of the whole log past its checkpoint', async () => {
    const before = { tiers: await spec.rows('customer_tiers'), history: await spec.rows('tier_history') };
    await spec.replay();
    expect({ tiers: await spec.rows('customer_tiers'), history: await spec.rows('tier_history') }).toEqual(before);
  });
});
