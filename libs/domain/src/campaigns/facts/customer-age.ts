import { AGE_OF_MAJORITY } from '../../shared/birth-dates.js';
import { readsFact } from '../cel/conditions.js';
import type { CampaignMerchant } from '../config/campaign-merchant.js';
import type { CompiledCampaign } from '../config/parse-campaigns.js';
import { ageOn, type CustomerFacts } from './customer-facts.js';

export const AGE_FACT = 'customer.ageYears';

/**
 * Whether deciding the campaign for this customer needs their exact age, which only their sealed
 * profile holds (the read model keeps the birthday and "adult since" in clear, never the year):
 * - the audience (or the trigger's filter) reads `customer.ageYears`;
 * - the campaign promotes alcohol for a merchant selling it, and the clear columns do not prove the
 *   customer of age: a private customer recorded as a minor may have come of age since.
 * Without a birthday there is no birth date to read: the age stays unknown.
 */
export function needsAge(merchant: Pick<CampaignMerchant, 'alcohol'>, campaign: CompiledCampaign, customer: CustomerFacts): boolean {
  if (customer.birthday === null) return false;
  if (readsFact(campaign.audience, AGE_FACT) || readsFact(campaign.filter, AGE_FACT)) return true;
  return merchant.alcohol && campaign.definition.promotesAlcohol && customer.type === 'b2c' && customer.ofAge !== true;
}

/**
 * The customer's facts with their age on the local date `today` (the evaluation's, in the merchant's
 * time zone), from the birth date of their opened profile. Null when the profile gave none (it did not
 * open, or no longer holds one): the age is then unknown, and "of age" too unless the clear columns
 * already proved it. Someone born on 29 February comes of age on 1 March of a common year.
 */
export function withAge(customer: CustomerFacts, birthDate: string | null, today: string): CustomerFacts {
  if (birthDate === null) return { ...customer, ageYears: null, ofAge: customer.ofAge === true ? true : null };
  const ageYears = ageOn(birthDate, today);
  return { ...customer, ageYears, ofAge: ageYears >= AGE_OF_MAJORITY };
}
