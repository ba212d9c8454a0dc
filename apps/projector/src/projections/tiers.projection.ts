import { sql, type Sql } from '@relance/platform';
import { ofType, type Projection } from '../projection.js';
import { columns } from './columns.js';

/** tiers: the tier each customer holds, and every change with the spend and program that decided it. */
export const tiersProjection: Projection = {
  name: 'tiers',
  version: 1,
  tables: ['customer_tiers', 'tier_history'],
  handles: ['TierChanged'],
  apply(events, context) {
    const changes = ofType(events, 'TierChanged');
    if (changes.length === 0) return [];
    const h = columns('m', 'id', 'c', 'from', 'to', 'direction', 'spend', 'window', 'guaranteed', 'version', 'at');
    const current = new Map<string, (typeof changes)[number]>();
    for (const e of changes) {
      const d = e.data;
      h.push({ m: e.metadata.merchantId, id: e.metadata.eventId, c: d.customerId, from: d.from, to: d.to, direction: d.direction, spend: d.rollingSpendCents, window: d.windowStart, guaranteed: d.guaranteedUntil, version: d.programVersion, at: d.changedAt });
      current.set(`${e.metadata.merchantId}\u0000${d.customerId}`, e);
    }
    const c = columns('m', 'c', 'tier', 'since', 'guaranteed', 'spend', 'version');
    for (const e of current.values()) {
      const d = e.data;
      c.push({ m: e.metadata.merchantId, c: d.customerId, tier: d.to, since: d.changedAt, guaranteed: d.guaranteedUntil, spend: d.rollingSpendCents, version: d.programVersion });
    }
    const statements: Sql[] = [
      sql`
INSERT INTO ${context.table('tier_history')} (merchant_id, event_id, customer_id, from_tier, to_tier, direction, rolling_spend_cents,
                                               window_start, guaranteed_until, program_version, changed_at)
SELECT * FROM unnest(${h.get('m')}::text[], ${h.get('id')}::uuid[], ${h.get('c')}::text[], ${h.get('from')}::text[], ${h.get('to')}::text[],
                     ${h.get('direction')}::text[], ${h.get('spend')}::bigint[], ${h.get('window')}::timestamptz[],
                     ${h.get('guaranteed')}::timestamptz[], ${h.get('version')}::text[], ${h.get('at')}::timestamptz[])
ON CONFLICT (merchant_id, event_id) DO NOTHING`,
      sql`
INSERT INTO ${context.table('customer_tiers')} AS t (merchant_id, customer_id, tier, since, guaranteed_until, rolling_spend_cents, program_version)
SELECT * FROM unnest(${c.get('m')}::text[], ${c.get('c')}::text[], ${c.get('tier')}::text[], ${c.get('since')}::timestamptz[],
                     ${c.get('guaranteed')}::timestamptz[], ${c.get('spend')}::bigint[], ${c.get('version')}::text[])
ON CONFLICT (merchant_id, customer_id) DO UPDATE
   SET tier = EXCLUDED.tier, since = EXCLUDED.since, guaranteed_until = EXCLUDED.guaranteed_until,
       rolling_spend_cents = EXCLUDED.rolling_spend_cents, program_version = EXCLUDED.program_version
 WHERE t.since <= EXCLUDED.since`,
    ];
    return statements;
  },
};
