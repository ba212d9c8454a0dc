import { needsAge, withAge } from '@relance/domain';
import { PiiUnavailableError, type CustomerProfile, type SealedProfiles } from '@relance/platform';
import type { CandidateFacts } from './customer-facts.sql.js';
import type { Candidate } from './evaluation.js';
import type { MerchantRules } from './rule-book.js';

/*
 * Ages are read from the birth date in the customer's sealed profile, opened in this process's memory
 * with the customer's key, for the candidates that need one and only at the moment of the decision.
 * Why not in SQL or in a clear column: next to the birthday (MM-DD) the read model keeps for birthday
 * rules, any exact age fact — the birth year, the date someone turns 18 — is the birth date itself, in
 * clear, out of reach of the customer's key and of erasure (destroying the key must make every copy
 * unreadable). PostgreSQL never sees the key nor the birth date: it hands over the sealed blob.
 * "Adult since" (a date the customer was certainly of age, 0040) answers majority in SQL for nearly
 * everyone; the profiles opened here are those of customers recorded as minors who meet an alcohol
 * offer, and of the candidates of campaigns whose audience reads `customer.ageYears`. The age itself
 * is never recorded in a decision (WITHHELD_FACTS), only whether it was known.
 */

/**
 * Completes the candidates' facts with their age on the local date `today`. Without `profiles` (a
 * process without the master key, such as a dry run without one), ages stay unknown: a campaign
 * reading the age or promoting alcohol then leaves out whoever the clear columns do not prove of age.
 */
export async function completeAges(
  profiles: SealedProfiles | null | undefined,
  rules: MerchantRules,
  candidates: readonly Candidate[],
  facts: Map<string, CandidateFacts>,
  today: string,
): Promise<number> {
  if (!profiles) return 0;
  const wanted = new Set<string>();
  for (const { campaign, occurrence } of candidates) {
    const customer = facts.get(occurrence.customerId)?.customer;
    if (customer && customer.ageYears === null && needsAge(rules.merchant, campaign, customer)) wanted.add(customer.id);
  }
  if (wanted.size === 0) return 0;
  const opened = await openProfiles(profiles, rules.merchant.id, [...wanted]);
  for (const id of wanted) {
    const found = facts.get(id)!;
    facts.set(id, { ...found, customer: withAge(found.customer!, opened.get(id)?.birthDate ?? null, today) });
  }
  return wanted.size;
}

/** One query for the rows, one for the keys; a key that does not open leaves that customer's age unknown, not the others'. */
async function openProfiles(profiles: SealedProfiles, merchantId: string, customerIds: readonly string[]): Promise<Map<string, CustomerProfile | null>> {
  try {
    return await profiles.open(merchantId, customerIds);
  } catch (error) {
    if (!(error instanceof PiiUnavailableError)) throw error;
    const one = new Map<string, CustomerProfile | null>();
    for (const id of customerIds) {
      try {
        one.set(id, (await profiles.open(merchantId, [id])).get(id) ?? null);
      } catch (itemError) {
        if (!(itemError instanceof PiiUnavailableError)) throw itemError;
        one.set(id, null);
      }
    }
    return one;
  }
}
