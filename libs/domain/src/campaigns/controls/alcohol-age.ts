import type { AppliedControl } from '../../events/campaign.events.js';
import { AGE_OF_MAJORITY } from '../../shared/birth-dates.js';
import type { CustomerFacts } from '../facts/customer-facts.js';

/**
 * Loi Évin and the sale of alcohol to minors: for a merchant selling alcohol, a campaign that promotes
 * it never targets a customer under 18 or whose age is unknown. A business customer (B2B) has no age:
 * the rule protects people, so it does not apply to one. Null when the rule does not apply at all.
 * The record says whether the customer is of age, never their age.
 */
export function alcoholAgeControl(merchantAlcohol: boolean, promotesAlcohol: boolean, customer: CustomerFacts): AppliedControl | null {
  if (!merchantAlcohol || !promotesAlcohol) return null;
  if (customer.type === 'b2b') return { control: 'age', value: { type: 'b2b' }, passed: true, detail: 'a business customer has no age' };
  const ofAge = customer.ofAge;
  if (ofAge === null) return { control: 'age', value: { ofAge: null }, passed: false, detail: 'age unknown: an offer promoting alcohol needs a birth date showing 18 or over' };
  return { control: 'age', value: { ofAge }, passed: ofAge, detail: ofAge ? null : `under ${AGE_OF_MAJORITY}: no offer promoting alcohol` };
}
