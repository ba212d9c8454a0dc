import { sql, type Sql } from '@relance/platform';
import { handling, ofType, type Projection, type ProjectedEvent, type ProjectionContext } from '../projection.js';
import { columns } from './columns.js';
import { emptyPatch, foldIntoPatch, personalColumnsOf, type CustomerPatch } from './customer-patch.js';

const CUSTOMER_STREAM_EVENTS = [
  'CustomerProfileUpdated',
  'CustomersMergedV2',
  'CustomerErased',
  'ConsentGranted',
  'ConsentWithdrawn',
  'PointsEarned',
  'PointsRedeemed',
  'PointsExpired',
  'PointsAdjusted',
  'TierChanged',
] as const;

/**
 * customers: profile (sealed, as the event carries it; birthday, "adult since" and whether a letter
 * can reach the customer in clear), type,
 * store, identity keys, marketing consent per channel, tier, points balance, RFM segment and status.
 * Per batch: one insert of the enrolments, one update of the other changes folded per customer, one
 * update of the segments.
 */
export const customersProjection: Projection = {
  name: 'customers',
  // 2: the profile sealed instead of its fields in clear. 3: postal_reachable.
  version: 3,
  tables: ['customers'],
  handles: handling('CustomerEnrolled', ...CUSTOMER_STREAM_EVENTS, 'SegmentChanged', 'RfmBaselineRecorded'),
  opensProfiles: true,
  apply(events, context) {
    return [enrolments(events, context), patches(events, context), baselines(events, context), segments(events, context)].filter(
      (statement): statement is Sql => statement !== null,
    );
  },
};

function enrolments(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const rows = columns('m', 'c', 'type', 'category', 'store', 'external', 'locale', 'profile', 'birthday', 'adultSince', 'postal', 'emailKey', 'phoneKey', 'at', 'rev');
  for (const e of ofType(events, 'CustomerEnrolled')) {
    const d = e.data;
    const p = personalColumnsOf(e, context);
    rows.push({
      m: e.metadata.merchantId,
      c: d.customerId,
      type: d.customerType,
      category: d.businessCategory,
      store: d.storeId,
      external: d.externalId,
      locale: d.locale,
      profile: p.sealed,
      birthday: p.birthday,
      adultSince: p.adultSince,
      postal: p.postalReachable,
      emailKey: d.identityKeys.email,
      phoneKey: d.identityKeys.phone,
      at: d.enrolledAt,
      rev: String(e.streamPosition),
    });
  }
  if (rows.size === 0) return null;
  const t = context.table('customers');
  const g = (name: Parameters<typeof rows.get>[0]) => rows.get(name);
  return sql`
INSERT INTO ${t} (merchant_id, customer_id, status, customer_type, business_category, store_id, external_id, locale,
                  profile, birthday, adult_since, postal_reachable, email_key, phone_key, enrolled_at, updated_at, revision)
SELECT m, c, 'active', ty, ca, st, ex, lo, pr, bd, ad, po, ek, pk, at, at, rv
  FROM unnest(${g('m')}::text[], ${g('c')}::text[], ${g('type')}::text[], ${g('category')}::text[], ${g('store')}::text[],
              ${g('external')}::text[], ${g('locale')}::text[], ${g('profile')}::text[], ${g('birthday')}::text[],
              ${g('adultSince')}::date[], ${g('postal')}::boolean[], ${g('emailKey')}::text[], ${g('phoneKey')}::text[], ${g('at')}::timestamptz[], ${g('rev')}::bigint[])
       AS r(m, c, ty, ca, st, ex, lo, pr, bd, ad, po, ek, pk, at, rv)
ON CONFLICT (merchant_id, customer_id) DO NOTHING`;
}

function patches(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const byCustomer = new Map<string, CustomerPatch>();
  for (const e of ofType(events, ...CUSTOMER_STREAM_EVENTS)) {
    const customerId = e.type === 'CustomersMergedV2' ? (e.data.role === 'survivor' ? e.data.survivorId : e.data.mergedId) : e.data.customerId;
    const key = `${e.metadata.merchantId}\u0000${customerId}`;
    let patch = byCustomer.get(key);
    if (!patch) byCustomer.set(key, (patch = emptyPatch(e, customerId)));
    foldIntoPatch(patch, e, context);
  }
  if (byCustomer.size === 0) return null;
  const r = columns('m', 'c', 'from', 'to', 'at', 'setProfile', 'scrub', 'type', 'category', 'store', 'locale', 'profile', 'birthday', 'adultSince', 'postal', 'emailKey', 'phoneKey', 'cEmail', 'cSms', 'cRcs', 'cPostal', 'tier', 'tierSince', 'delta', 'reset', 'status', 'mergedInto', 'erasedAt');
  for (const p of byCustomer.values()) {
    const o = p.profile?.personal;
    r.push({
      m: p.merchantId,
      c: p.customerId,
      from: String(p.fromRevision),
      to: String(p.toRevision),
      at: p.updatedAt,
      setProfile: p.profile !== null,
      scrub: p.scrub,
      type: p.profile?.customerType,
      category: p.profile?.businessCategory,
      store: p.profile?.storeId,
      locale: p.profile?.locale,
      profile: o?.sealed,
      birthday: o?.birthday,
      adultSince: o?.adultSince,
      postal: o?.postalReachable,
      emailKey: p.profile?.emailKey,
      phoneKey: p.profile?.phoneKey,
      cEmail: p.consents.email,
      cSms: p.consents.sms,
      cRcs: p.consents.rcs,
      cPostal: p.consents.postal,
      tier: p.tier,
      tierSince: p.tierSince,
      delta: p.pointsDelta,
      reset: p.pointsReset,
      status: p.status,
      mergedInto: p.mergedInto,
      erasedAt: p.erasedAt,
    });
  }
  const t = context.table('customers');
  const g = (name: Parameters<typeof r.get>[0]) => r.get(name);
  // The revision guard makes a batch delivered twice (at-least-once) a no-op on top of the checkpoint.
  return sql`
UPDATE ${t} AS c SET
  customer_type = CASE WHEN p.set_profile THEN p.ty ELSE c.customer_type END,
  business_category = CASE WHEN p.set_profile THEN p.ca ELSE c.business_category END,
  store_id = CASE WHEN p.set_profile THEN p.st ELSE c.store_id END,
  locale = CASE WHEN p.set_profile THEN p.lo ELSE c.locale END,
  external_id = CASE WHEN p.scrub THEN NULL ELSE c.external_id END,
  profile = CASE WHEN p.set_profile THEN p.pr WHEN p.scrub THEN NULL ELSE c.profile END,
  birthday = CASE WHEN p.set_profile THEN p.bd WHEN p.scrub THEN NULL ELSE c.birthday END,
  adult_since = CASE WHEN p.set_profile THEN p.ad WHEN p.scrub THEN NULL ELSE c.adult_since END,
  postal_reachable = CASE WHEN p.set_profile THEN p.po WHEN p.scrub THEN false ELSE c.postal_reachable END,
  email_key = CASE WHEN p.set_profile THEN p.ek WHEN p.scrub THEN NULL ELSE c.email_key END,
  phone_key = CASE WHEN p.set_profile THEN p.pk WHEN p.scrub THEN NULL ELSE c.phone_key END,
  consent_email = COALESCE(p.ce, c.consent_email),
  consent_sms = COALESCE(p.cs, c.consent_sms),
  consent_rcs = COALESCE(p.cr, c.consent_rcs),
  consent_postal = COALESCE(p.cp, c.consent_postal),
  tier = COALESCE(p.tier, c.tier),
  tier_since = COALESCE(p.tier_since, c.tier_since),
  points_balance = CASE WHEN p.reset THEN p.delta ELSE c.points_balance + p.delta END,
  status = COALESCE(p.status, c.status),
  merged_into = COALESCE(p.merged_into, c.merged_into),
  erased_at = COALESCE(p.erased_at, c.erased_at),
  updated_at = p.at,
  revision = p.rv_to
FROM unnest(${g('m')}::text[], ${g('c')}::text[], ${g('from')}::bigint[], ${g('to')}::bigint[], ${g('at')}::timestamptz[],
            ${g('setProfile')}::boolean[], ${g('scrub')}::boolean[], ${g('type')}::text[], ${g('category')}::text[],
            ${g('store')}::text[], ${g('locale')}::text[], ${g('profile')}::text[], ${g('birthday')}::text[], ${g('adultSince')}::date[],
            ${g('postal')}::boolean[], ${g('emailKey')}::text[], ${g('phoneKey')}::text[], ${g('cEmail')}::boolean[], ${g('cSms')}::boolean[],
            ${g('cRcs')}::boolean[], ${g('cPostal')}::boolean[], ${g('tier')}::text[], ${g('tierSince')}::timestamptz[],
            ${g('delta')}::bigint[], ${g('reset')}::boolean[], ${g('status')}::text[], ${g('mergedInto')}::text[], ${g('erasedAt')}::timestamptz[])
     AS p(m, c, rv_from, rv_to, at, set_profile, scrub, ty, ca, st, lo, pr, bd, ad, po, ek, pk, ce, cs, cr, cp,
          tier, tier_since, delta, reset, status, merged_into, erased_at)
WHERE c.merchant_id = p.m AND c.customer_id = p.c AND c.revision < p.rv_from`;
}

/**
 * A merchant's RFM baseline announces no customer one by one: its segments are the RFM read model's
 * scores. A customer whose segment changed since has the later SegmentChanged events, applied after
 * this (also in a replay, where rfm_scores already holds the later segment they end in).
 */
function baselines(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const runs = ofType(events, 'RfmBaselineRecorded').map((e) => ({ m: e.metadata.merchantId, asOf: e.data.asOf }));
  if (runs.length === 0) return null;
  const r = columns('m', 'asOf');
  for (const run of runs) r.push(run);
  const t = context.table('customers');
  return sql`
UPDATE ${t} AS c SET segment = s.segment, segment_as_of = b.as_of
  FROM unnest(${r.get('m')}::text[], ${r.get('asOf')}::date[]) AS b(m, as_of)
  JOIN rfm_scores s ON s.merchant_id = b.m
 WHERE c.merchant_id = b.m AND c.customer_id = s.customer_id AND (c.segment_as_of IS NULL OR c.segment_as_of <= b.as_of)`;
}

function segments(events: readonly ProjectedEvent[], context: ProjectionContext): Sql | null {
  const last = new Map<string, { m: string; c: string; segment: string | null; asOf: string }>();
  for (const e of ofType(events, 'SegmentChanged')) {
    last.set(`${e.metadata.merchantId}\u0000${e.data.customerId}`, { m: e.metadata.merchantId, c: e.data.customerId, segment: e.data.to, asOf: e.data.asOf });
  }
  if (last.size === 0) return null;
  const r = columns('m', 'c', 'segment', 'asOf');
  for (const row of last.values()) r.push(row);
  const t = context.table('customers');
  return sql`
UPDATE ${t} AS c SET segment = s.segment, segment_as_of = s.as_of
  FROM unnest(${r.get('m')}::text[], ${r.get('c')}::text[], ${r.get('segment')}::text[], ${r.get('asOf')}::date[]) AS s(m, c, segment, as_of)
 WHERE c.merchant_id = s.m AND c.customer_id = s.c AND (c.segment_as_of IS NULL OR c.segment_as_of <= s.as_of)`;
}
