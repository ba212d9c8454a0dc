import { CHANNELS, type Channel, type ConsentPurpose, type ContactFacts, type CustomerFacts, type Segment } from '@relance/domain';
import type pg from 'pg';

/** What the audiences and the channel choice know of one customer on a local date. */
export interface CandidateFacts {
  /** Null when the customer was erased or merged away (or is unknown). */
  readonly customer: CustomerFacts | null;
  readonly contact: ContactFacts;
}

interface FactsRow {
  customer_id: string;
  status: string | null;
  customer_type: 'b2c' | 'b2b';
  business_category: CustomerFacts['businessCategory'];
  store_id: string | null;
  locale: string;
  birthday: string | null;
  of_age: boolean | null;
  has_email: boolean;
  has_phone: boolean;
  postal_reachable: boolean;
  enrolled_on: string;
  days_since_enrolment: number;
  tier: string | null;
  balance: string;
  segment: Segment | null;
  s30: string; s90: string; s365: string; slife: string;
  c30: number; c90: number; c365: number; clife: number;
  last_on: string | null;
  days_since_last: number | null;
  categories: string[] | null;
  consents: Record<string, boolean> | null;
}

/*
 * One statement for any number of customers: the audiences' facts (spend and purchase counts per
 * window, categories bought, tier, segment of the latest RFM run, balance, age as the read model
 * knows it) and the contact facts (consents per purpose and channel, which addresses are held), as of local
 * date $3 in zone $4. A purchase counts net of its refunds; a wholly refunded one is not counted.
 */
const FACTS = `
WITH ids AS (SELECT DISTINCT unnest($2::text[]) AS customer_id),
pur AS (
  SELECT p.customer_id,
         COALESCE(sum(p.total_cents - p.refunded_cents) FILTER (WHERE p.local_date > $3::date - 30), 0)::text AS s30,
         COALESCE(sum(p.total_cents - p.refunded_cents) FILTER (WHERE p.local_date > $3::date - 90), 0)::text AS s90,
         COALESCE(sum(p.total_cents - p.refunded_cents) FILTER (WHERE p.local_date > $3::date - 365), 0)::text AS s365,
         COALESCE(sum(p.total_cents - p.refunded_cents), 0)::text AS slife,
         count(*) FILTER (WHERE p.total_cents > p.refunded_cents AND p.local_date > $3::date - 30)::int AS c30,
         count(*) FILTER (WHERE p.total_cents > p.refunded_cents AND p.local_date > $3::date - 90)::int AS c90,
         count(*) FILTER (WHERE p.total_cents > p.refunded_cents AND p.local_date > $3::date - 365)::int AS c365,
         count(*) FILTER (WHERE p.total_cents > p.refunded_cents)::int AS clife,
         max(p.local_date) FILTER (WHERE p.total_cents > p.refunded_cents)::text AS last_on,
         $3::date - max(p.local_date) FILTER (WHERE p.total_cents > p.refunded_cents) AS days_since_last
    FROM purchases p JOIN ids USING (customer_id)
   WHERE p.merchant_id = $1 AND p.local_date <= $3::date
   GROUP BY p.customer_id
), cats AS (
  SELECT p.customer_id, array_agg(DISTINCT lower(btrim(l.category))) AS categories
    FROM purchases p JOIN ids USING (customer_id)
    JOIN purchase_lines l ON l.merchant_id = p.merchant_id AND l.purchase_id = p.purchase_id
   WHERE p.merchant_id = $1 AND l.category IS NOT NULL AND btrim(l.category) <> '' AND l.refunded_quantity < l.quantity
   GROUP BY p.customer_id
), cons AS (
  SELECT co.customer_id, jsonb_object_agg(co.purpose || ':' || co.channel, co.granted) AS consents
    FROM consents co JOIN ids USING (customer_id)
   WHERE co.merchant_id = $1
   GROUP BY co.customer_id
)
SELECT ids.customer_id, c.status, c.customer_type, c.business_category, c.store_id, c.locale, c.birthday,
       CASE WHEN c.adult_since IS NOT NULL AND c.adult_since <= $3::date THEN true
            WHEN c.birthday IS NULL THEN NULL
            ELSE false END AS of_age,
       c.email_key IS NOT NULL AS has_email, c.phone_key IS NOT NULL AS has_phone, COALESCE(c.postal_reachable, false) AS postal_reachable,
       (c.enrolled_at AT TIME ZONE $4)::date::text AS enrolled_on,
       ($3::date - (c.enrolled_at AT TIME ZONE $4)::date) AS days_since_enrolment,
       c.tier, COALESCE(pb.balance, c.points_balance, 0)::text AS balance, rs.segment,
       COALESCE(pur.s30, '0') AS s30, COALESCE(pur.s90, '0') AS s90, COALESCE(pur.s365, '0') AS s365, COALESCE(pur.slife, '0') AS slife,
       COALESCE(pur.c30, 0) AS c30, COALESCE(pur.c90, 0) AS c90, COALESCE(pur.c365, 0) AS c365, COALESCE(pur.clife, 0) AS clife,
       pur.last_on, pur.days_since_last, cats.categories, cons.consents
  FROM ids
  LEFT JOIN customers c ON c.merchant_id = $1 AND c.customer_id = ids.customer_id
  LEFT JOIN points_balances pb ON pb.merchant_id = $1 AND pb.customer_id = ids.customer_id
  LEFT JOIN rfm_scores rs ON rs.merchant_id = $1 AND rs.customer_id = ids.customer_id
  LEFT JOIN pur ON pur.customer_id = ids.customer_id
  LEFT JOIN cats ON cats.customer_id = ids.customer_id
  LEFT JOIN cons ON cons.customer_id = ids.customer_id`;

const NOBODY: ContactFacts = { consents: {}, reachable: {} };

/**
 * The facts of the customers given, as of local date `today`. The segment is the latest RFM run's
 * (rfm_scores), which a merchant's baseline run fills without a SegmentChanged per customer. Ages are
 * what the clear columns prove: of age when "adult since" is on or before `today`, unknown without a
 * birthday, not of age for a customer recorded as a minor, and `ageYears` unknown; the evaluation then
 * reads the exact age from the sealed profile where a decision needs it (customer-ages.ts).
 */
export async function readCandidateFacts(db: pg.Pool | pg.PoolClient, merchantId: string, customerIds: readonly string[], today: string, timeZone: string): Promise<Map<string, CandidateFacts>> {
  const facts = new Map<string, CandidateFacts>();
  if (customerIds.length === 0) return facts;
  const { rows } = await db.query<FactsRow>(FACTS, [merchantId, customerIds, today, timeZone]);
  for (const row of rows) facts.set(row.customer_id, toFacts(row));
  return facts;
}

function toFacts(row: FactsRow): CandidateFacts {
  if (row.status !== 'active') return { customer: null, contact: NOBODY };
  const consents: Partial<Record<ConsentPurpose, Partial<Record<Channel, boolean>>>> = {};
  for (const [key, granted] of Object.entries(row.consents ?? {})) {
    const [purpose, channel] = key.split(':') as [ConsentPurpose, Channel];
    (consents[purpose] ??= {})[channel] = granted;
  }
  const marketing = consents.marketing ?? {};
  const customer: CustomerFacts = {
    id: row.customer_id,
    type: row.customer_type,
    businessCategory: row.business_category,
    tier: row.tier,
    segment: row.segment,
    balance: Number(row.balance),
    storeId: row.store_id,
    locale: row.locale,
    ofAge: row.of_age,
    ageYears: null,
    birthday: row.birthday,
    enrolledOn: row.enrolled_on,
    daysSinceEnrolment: row.days_since_enrolment,
    consents: Object.fromEntries(CHANNELS.map((c) => [c, marketing[c] === true])) as Record<Channel, boolean>,
    spendCents: { d30: Number(row.s30), d90: Number(row.s90), d365: Number(row.s365), lifetime: Number(row.slife) },
    purchaseCount: { d30: row.c30, d90: row.c90, d365: row.c365, lifetime: row.clife },
    categories: row.categories ?? [],
    lastPurchaseOn: row.last_on,
    daysSinceLastPurchase: row.days_since_last,
  };
  // The postal address stays sealed in the profile; the projector keeps beside it only whether it is
  // complete enough for a letter (migration 0073), which is all the channel choice needs.
  return { customer, contact: { consents, reachable: { email: row.has_email, sms: row.has_phone, rcs: row.has_phone, postal: row.postal_reachable } } };
}

