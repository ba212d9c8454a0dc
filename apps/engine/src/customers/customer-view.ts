import { customerSummary, type ActiveCustomer, type ActiveCustomerSummary, type CustomerContext } from '@relance/domain';
import { z } from 'zod';
import type { ClearProfile } from './profile-vault.js';

/** What GET /v1/customers/:id and the customer writes answer. */
export function customerView(state: ActiveCustomer, context: CustomerContext, profile: ClearProfile | null, segment: string | null) {
  const summary = customerSummary(state, context) as ActiveCustomerSummary;
  return {
    customerId: state.customerId,
    status: 'active' as const,
    type: state.customerType,
    businessCategory: state.businessCategory,
    storeId: state.storeId,
    externalId: state.externalId,
    locale: state.locale,
    enrolledAt: state.enrolledAt,
    profile,
    points: {
      balance: summary.balance,
      debtPoints: summary.debtPoints,
      lots: summary.lots.map((lot) => ({ lotId: lot.lotId, points: lot.remaining, earnedAt: lot.earnedAt, expiresAt: lot.expiresAt })),
    },
    tier: summary.tier,
    nextTier: summary.nextTier,
    rollingSpend: summary.rollingSpend,
    rewards: summary.rewards,
    consents: summary.consents,
    segment,
  };
}
export type CustomerView = ReturnType<typeof customerView>;

/** Whose profile a customer view shows (a route's `responseOwner`). */
export const viewedCustomer = (view: unknown): string => (view as CustomerView).customerId;

// The response shapes, for the OpenAPI document.
const Instant = z.iso.datetime();
const ClearProfileSchema = z.object({
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  companyName: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable().describe('E.164'),
  postalAddress: z.object({ line1: z.string(), line2: z.string().optional(), postalCode: z.string(), city: z.string(), country: z.string() }).nullable(),
  birthDate: z.string().nullable(),
});

export const CustomerViewSchema = z.object({
  customerId: z.string(),
  status: z.literal('active'),
  type: z.enum(['b2c', 'b2b']),
  businessCategory: z.string().nullable(),
  storeId: z.string().nullable(),
  externalId: z.string().nullable(),
  locale: z.string(),
  enrolledAt: Instant,
  profile: ClearProfileSchema.nullable().describe('null once the customer was erased (its key destroyed)'),
  points: z.object({
    balance: z.int(),
    debtPoints: z.int(),
    lots: z.array(z.object({ lotId: z.string(), points: z.int(), earnedAt: Instant, expiresAt: Instant.nullable() })).describe('first to expire first'),
  }),
  tier: z.object({ id: z.string(), name: z.string().nullable(), since: Instant, guaranteedUntil: Instant.nullable() }).nullable(),
  nextTier: z.object({ id: z.string(), name: z.string(), missingCents: z.int() }).nullable(),
  rollingSpend: z.object({ windowStart: Instant, spendCents: z.int() }),
  rewards: z
    .array(
      z.object({
        rewardId: z.string(),
        rewardCode: z.string(),
        name: z.string().nullable(),
        status: z.enum(['issued', 'redeemed', 'expired']),
        issuedAt: Instant,
        expiresAt: Instant.nullable(),
      }),
    )
    .describe('rewards still usable, and those used or expired in the last 30 days'),
  consents: z.array(z.object({ channel: z.string(), purpose: z.string(), granted: z.boolean(), source: z.string(), changedAt: Instant })),
  segment: z.string().nullable().describe("RFM segment from the projector's read model; null until scored"),
});

export const MergedCustomerSchema = z.object({ customerId: z.string(), status: z.literal('merged'), survivorId: z.string() });
