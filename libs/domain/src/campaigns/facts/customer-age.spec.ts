import { describe, expect, it } from '@jest/globals';
import { campaign, customer, eventOccurrence, eventsOf, given, merchant, PARIS, purchaseData } from '../campaign.fixtures.js';
import { purchaseFacts } from '../triggers/event-triggers.js';
import { needsAge, withAge } from './customer-age.js';
import { ageOn } from './customer-facts.js';

const AT = '2026-03-20T10:00:00.000Z';
const purchase = eventOccurrence({ facts: purchaseFacts(purchaseData('p1', 18000, AT), PARIS), at: AT });
const basket = campaign({ id: 'gros-panier', trigger: { type: 'purchase', filter: 'event.totalCents >= 15000' }, actions: { message: { channels: ['email'], template: 'gros-panier' } } });
const welcome = campaign({ id: 'bienvenue', trigger: { type: 'consent-granted' }, promotesAlcohol: false, actions: { message: { channels: ['email'], template: 'bienvenue' } } });
const over25 = campaign({ id: 'grands-crus', trigger: { type: 'purchase' }, promotesAlcohol: false, audience: 'customer.ageYears >= 25', actions: { message: { channels: ['email'], template: 'gros-panier' } } });
/** A customer recorded as a minor: birthday in clear, no "adult since", age not yet read. */
const recordedMinor = customer({ birthday: '12-10', ofAge: false, ageYears: null });

describe('ageOn', () => {
  it('counts whole years up to the local date, a birthday counting from its own day', () => {
    expect(ageOn('2008-12-10', '2026-12-09')).toBe(17);
    expect(ageOn('2008-12-10', '2026-12-10')).toBe(18);
    expect(ageOn('1985-03-14', '2026-03-20')).toBe(41);
  });

  it('has someone born on 29 February turn a year older on 1 March of a common year', () => {
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(ageOn('2008-02-29', '2028-02-29')).toBe(20);
  });
});

describe('given the facts the read model gives, when is the sealed birth date needed', () => {
  it('then for an alcohol offer to a private customer not proved of age by the clear columns', () => {
    expect(needsAge(merchant, basket, recordedMinor)).toBe(true);
    expect(needsAge(merchant, basket, customer({ ofAge: true }))).toBe(false);
    expect(needsAge(merchant, basket, customer({ type: 'b2b', businessCategory: 'restaurant', ofAge: null }))).toBe(false);
    expect(needsAge({ alcohol: false }, basket, recordedMinor)).toBe(false);
    expect(needsAge(merchant, welcome, recordedMinor)).toBe(false);
  });

  it('then whenever the audience reads the age, even of a customer of age', () => {
    expect(needsAge(merchant, over25, customer({ ofAge: true }))).toBe(true);
  });

  it('then never without a birthday: there is no birth date to read', () => {
    expect(needsAge(merchant, over25, customer({ birthday: null, ofAge: null }))).toBe(false);
    expect(needsAge(merchant, basket, customer({ birthday: null, ofAge: null }))).toBe(false);
  });
});

describe('given the birth date opened at the evaluation', () => {
  it('then the age and majority are those of the local date', () => {
    expect(withAge(recordedMinor, '2008-12-10', '2026-12-09')).toMatchObject({ ageYears: 17, ofAge: false });
    expect(withAge(recordedMinor, '2008-12-10', '2026-12-10')).toMatchObject({ ageYears: 18, ofAge: true });
  });

  it('then a profile that gives no birth date leaves the age unknown, unless majority was already proved', () => {
    expect(withAge(recordedMinor, null, '2026-12-10')).toMatchObject({ ageYears: null, ofAge: null });
    expect(withAge(customer({ ofAge: true, ageYears: null }), null, '2026-12-10')).toMatchObject({ ageYears: null, ofAge: true });
  });

  it('then a customer on their 18th birthday gets the alcohol offer, the day before they do not, and the record holds no age', () => {
    const dayBefore = given({ customer: withAge(recordedMinor, '2008-12-10', '2026-12-09') }).when(basket, purchase);
    dayBefore.thenSuppressed('age', 'under 18: no offer promoting alcohol');
    const birthday = given({ customer: withAge(recordedMinor, '2008-12-10', '2026-12-10') }).when(basket, purchase);
    expect(birthday.decision.outcome).toBe('triggered');
    expect(JSON.stringify(eventsOf(birthday.decision))).not.toMatch(/ageYears|2008|:18\b/);
  });

  it('then an audience on the age passes or fails on it, and its record says only whether it was known', () => {
    const adult = given({ customer: withAge(customer({ ageYears: null }), '1990-06-01', '2026-03-20') }).when(over25, purchase);
    expect(adult.decision.outcome).toBe('triggered');
    const young = given({ customer: withAge(customer({ ageYears: null }), '2004-06-01', '2026-03-20') }).when(over25, purchase);
    young.thenSuppressed('audience', 'not passed: customer.ageYears >= 25');
    const unknown = given({ customer: customer({ ageYears: null, birthday: null }) }).when(over25, purchase);
    unknown.thenSuppressed('audience');
    for (const outcome of [adult, young, unknown]) expect(JSON.stringify(eventsOf(outcome.decision))).not.toMatch(/\b(35|21)\b/);
  });
});
