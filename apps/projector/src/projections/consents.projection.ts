import { sql, type Sql } from '@relance/platform';
import { ofType, type Projection, type ProjectedEvent, type ProjectionContext } from '../projection.js';
import { columns, json } from './columns.js';

/**
 * consents: the current consent per customer, channel and purpose, and the history with its proof.
 * History rows are keyed by event id; the current row only moves forward in the customer's stream.
 */
export const consentsProjection: Projection = {
  name: 'consents',
  version: 1,
  tables: ['consents', 'consent_history'],
  handles: ['ConsentGranted', 'ConsentWithdrawn', 'CustomerErased'],
  apply(events, context) {
    return [history(events, context), current(events, context), erasures(events, context)].filter((s): s is Sql => s !== null);
  },
};

function changes(events: readonly ProjectedEvent[]) {
  return ofType(events, 'ConsentGranted', 'ConsentWithdrawn').map((e) => ({
    event: e,
    granted: e.type === 'ConsentGranted',
    at: e.type === 'ConsentGranted' ? e.data.grantedAt : e.data.withdrawnAt,
    reason: e.type === 'ConsentWithdrawn' ? e.data.reason : null,
  }));
}

function history(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const r = columns('m', 'id', 'c', 'channel', 'purpose', 'granted', 'source', 'proof', 'reason', 'at');
  for (const { event: e, granted, at, reason } of changes(events)) {
    r.push({
      m: e.metadata.merchantId,
      id: e.metadata.eventId,
      c: e.data.customerId,
      channel: e.data.channel,
      purpose: e.data.purpose,
      granted,
      source: e.data.source,
      proof: json(e.data.proof),
      reason,
      at,
    });
  }
  if (r.size === 0) return null;
  return sql`
INSERT INTO ${context.table('consent_history')} (merchant_id, event_id, customer_id, channel, purpose, granted, source, proof, reason, occurred_at)
SELECT m, id, c, ch, pu, gr, so, pr::jsonb, re, at
  FROM unnest(${r.get('m')}::text[], ${r.get('id')}::uuid[], ${r.get('c')}::text[], ${r.get('channel')}::text[], ${r.get('purpose')}::text[],
              ${r.get('granted')}::boolean[], ${r.get('source')}::text[], ${r.get('proof')}::text[], ${r.get('reason')}::text[],
              ${r.get('at')}::timestamptz[]) AS r(m, id, c, ch, pu, gr, so, pr, re, at)
ON CONFLICT (merchant_id, event_id) DO NOTHING`;
}

function current(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  // One row per key and batch: an upsert cannot touch the same row twice in one statement.
  const last = new Map<string, ReturnType<typeof changes>[number]>();
  for (const change of changes(events)) {
    const { merchantId } = change.event.metadata;
    const d = change.event.data;
    last.set(`${merchantId}\u0000${d.customerId}\u0000${d.channel}\u0000${d.purpose}`, change);
  }
  if (last.size === 0) return null;
  const r = columns('m', 'c', 'channel', 'purpose', 'granted', 'source', 'at', 'id', 'rev');
  for (const { event: e, granted, at } of last.values()) {
    r.push({
      m: e.metadata.merchantId,
      c: e.data.customerId,
      channel: e.data.channel,
      purpose: e.data.purpose,
      granted,
      source: e.data.source,
      at,
      id: e.metadata.eventId,
      rev: String(e.streamPosition),
    });
  }
  const t = context.table('consents');
  return sql`
INSERT INTO ${t} AS k (merchant_id, customer_id, channel, purpose, granted, source, changed_at, event_id, revision)
SELECT * FROM unnest(${r.get('m')}::text[], ${r.get('c')}::text[], ${r.get('channel')}::text[], ${r.get('purpose')}::text[],
                     ${r.get('granted')}::boolean[], ${r.get('source')}::text[], ${r.get('at')}::timestamptz[], ${r.get('id')}::uuid[],
                     ${r.get('rev')}::bigint[])
ON CONFLICT (merchant_id, customer_id, channel, purpose) DO UPDATE
   SET granted = EXCLUDED.granted, source = EXCLUDED.source, changed_at = EXCLUDED.changed_at,
       event_id = EXCLUDED.event_id, revision = EXCLUDED.revision
 WHERE k.revision < EXCLUDED.revision`;
}

/** Erasure: the proof's sealed IP goes; the rest stays (consent evidence holds no personal data). */
function erasures(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const erased = ofType(events, 'CustomerErased');
  if (erased.length === 0) return null;
  return sql`
UPDATE ${context.table('consent_history')} AS h SET proof = h.proof - 'ip'
  FROM unnest(${erased.map((e) => e.metadata.merchantId)}::text[], ${erased.map((e) => e.data.customerId)}::text[]) AS x(m, c)
 WHERE h.merchant_id = x.m AND h.customer_id = x.c AND h.proof ? 'ip'`;
}
