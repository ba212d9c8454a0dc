import type { Sql } from '@relance/platform';
import { ofType, type Projection } from '../projection.js';
import { rows } from './rows.js';

/** tiers: the tier each customer holds, and every change with the spend (and its currency) and program that decided it. */
export const tiersProjection: Projection = {
  name: 'tiers',
  version: 1,
  tables: ['customer_tiers', 'tier_history'],
  handles: ['TierChanged'],
  apply(events, context) {
    const changes = ofType(events, 'TierChanged');
    const history = rows(context, 'tier_history', {
      merchant_id: 'text',
      event_id: 'uuid',
      customer_id: 'text',
      from_tier: 'text',
      to_tier: 'text',
      direction: 'text',
      currency: 'text',
      rolling_spend_cents: 'bigint',
      window_start: 'timestamptz',
      guaranteed_until: 'timestamptz',
      program_version: 'text',
      changed_at: 'timestamptz',
    });
    const current = new Map<string, (typeof changes)[number]>();
    for (const e of changes) {
      const d = e.data;
      history.push({
        merchant_id: e.metadata.merchantId,
        event_id: e.metadata.eventId,
        customer_id: d.customerId,
        from_tier: d.from,
        to_tier: d.to,
        direction: d.direction,
        currency: d.currency,
        rolling_spend_cents: d.rollingSpendCents,
        window_start: d.windowStart,
        guaranteed_until: d.guaranteedUntil,
        program_version: d.programVersion,
        changed_at: d.changedAt,
      });
      current.set(`${e.metadata.merchantId}\u0000${d.customerId}`, e);
    }
    // One row per customer and batch: an upsert cannot touch the same row twice in one statement.
    const tiers = rows(context, 'customer_tiers', {
      merchant_id: 'text',
      customer_id: 'text',
      tier: 'text',
      since: 'timestamptz',
      guaranteed_until: 'timestamptz',
      currency: 'text',
      rolling_spend_cents: 'bigint',
      program_version: 'text',
    });
    for (const e of current.values()) {
      const d = e.data;
      tiers.push({
        merchant_id: e.metadata.merchantId,
        customer_id: d.customerId,
        tier: d.to,
        since: d.changedAt,
        guaranteed_until: d.guaranteedUntil,
        currency: d.currency,
        rolling_spend_cents: d.rollingSpendCents,
        program_version: d.programVersion,
      });
    }
    return [
      history.insert('ON CONFLICT (merchant_id, event_id) DO NOTHING'),
      tiers.insert(`ON CONFLICT (merchant_id, customer_id) DO UPDATE
   SET tier = EXCLUDED.tier, since = EXCLUDED.since, guaranteed_until = EXCLUDED.guaranteed_until,
       currency = EXCLUDED.currency, rolling_spend_cents = EXCLUDED.rolling_spend_cents, program_version = EXCLUDED.program_version
 WHERE t.since <= EXCLUDED.since`),
    ].filter((s): s is Sql => s !== null);
  },
};
