import { describe, expect, it } from '@jest/globals';
import { context, customer, purchaseData } from '../campaign.fixtures.js';
import { customerFactsType } from '../facts/customer-facts.js';
import { eventFactsType } from '../facts/event-facts.js';
import { purchaseFacts } from '../triggers/event-triggers.js';
import { compileConditions, evaluateConditions, readsFact, type CompiledConditions, type Variables } from './conditions.js';

const vocabulary = context.vocabulary;
const purchaseAudience: Variables = { customer: customerFactsType(vocabulary), event: eventFactsType('purchase', vocabulary) };
const birthdayAudience: Variables = { customer: customerFactsType(vocabulary), event: eventFactsType('birthday', vocabulary) };

function compiled(sources: string[], variables: Variables = purchaseAudience): CompiledConditions {
  const result = compileConditions(sources, variables);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.compiled;
}

function problems(source: string, variables: Variables = purchaseAudience): string[] {
  const result = compileConditions([source], variables);
  return result.ok ? [] : result.problems.map((p) => (p.column === null ? p.message : `${p.column}: ${p.message}`));
}

describe('an audience is type-checked when the configuration is validated', () => {
  it('accepts conditions over the customer and the trigger event', () => {
    for (const source of [
      'customer.segment in ["champions", "loyal"] && customer.type == "b2c"',
      'customer.spendCents.d90 >= 15000 || customer.purchaseCount.lifetime > 3',
      'customer.categories.exists(c, c == "champagne")',
      '"champagne" in event.categories && event.totalCents >= 15000',
      'customer.ageYears != null && customer.ageYears >= 25',
      'size(customer.categories) >= 2 && customer.tier != "decouverte"',
      'event.lines.filter(l, l.category == "rouge").size() > 0',
      'customer.consents.sms && !customer.consents.postal',
      'customer.lastPurchaseOn >= "2026-01-01"',
    ]) {
      expect(problems(source)).toEqual([]);
    }
  });

  it('refuses an unknown field, naming the fields there are', () => {
    expect(problems('customer.tierr == "amateur"')).toEqual([expect.stringMatching(/^9: unknown field "tierr" of customer \(fields: id, type, businessCategory, tier, segment, balance/)]);
    expect(problems('event.total >= 15000')).toEqual([expect.stringMatching(/^6: unknown field "total" of event \(fields: purchaseId, storeId, channel, totalCents/)]);
  });

  it('refuses a field of another trigger: a birthday has no basket', () => {
    expect(problems('event.totalCents >= 15000', birthdayAudience)).toEqual([expect.stringMatching(/unknown field "totalCents" of event \(fields: birthdayOn, daysBefore\)/)]);
  });

  it('refuses wrong types and names them', () => {
    expect(problems('customer.tier > 3')).toEqual(['15: cannot order a tier (text) or null and a whole number (>)']);
    expect(problems('customer.balance == "beaucoup"')).toEqual(['18: cannot compare a whole number with a text (==)']);
    expect(problems('customer.spendCents.d90 + 1.5 > 0')).toEqual([expect.stringMatching(/^25: \+ mixes a whole and a decimal number/)]);
    expect(problems('customer.categories && true')).toEqual(['9: && needs true or false (got a list of text)']);
    expect(problems('customer.balance == null')).toEqual(['18: customer.balance is never null (a whole number)']);
    expect(problems('customer.name.startsWith("A")')).toEqual([expect.stringMatching(/unknown field "name" of customer/)]);
    expect(problems('lower(customer.tier) == "or"')).toEqual(['1: unknown function "lower"']);
  });

  it('refuses a condition that is not true or false', () => {
    expect(problems('customer.balance')).toEqual(['a condition must be true or false (this one gives a whole number)']);
    expect(problems('customer.ageYears >= 18 ? "adulte" : "mineur"')).toEqual(['a condition must be true or false (this one gives a text)']);
  });

  it('refuses a tier, segment, store or channel that does not exist, where it is compared', () => {
    expect(problems('customer.segment == "a-risque"')).toEqual([
      '21: unknown segment "a-risque" (segments: champions, loyal, potential-loyalist, new, promising, need-attention, about-to-sleep, at-risk, cant-lose-them, hibernating, lost)',
    ]);
    expect(problems('customer.tier in ["amateur", "platine"]')).toEqual(['30: unknown tier "platine" (tiers: decouverte, amateur, connaisseur)']);
    expect(problems('"lyon" == event.storeId')).toEqual(['1: unknown store "lyon" (stores: halles, croix-rousse)']);
  });

  it('reports syntax errors with their column', () => {
    expect(compileConditions(['customer.balance >= '], purchaseAudience)).toMatchObject({ ok: false, problems: [{ index: 0, line: 1, message: expect.stringMatching(/^CEL syntax: /) }] });
  });

  it('locates a problem on its line inside a condition written on several lines', () => {
    const result = compileConditions(['customer.type == "b2c"\n  && customer.segmnt == "loyal"'], purchaseAudience);
    expect(result).toMatchObject({ ok: false, problems: [{ line: 2, column: 14, message: expect.stringMatching(/unknown field "segmnt"/) }] });
  });
});

describe('an audience is evaluated against plain facts', () => {
  const alice = customer();
  const basket = purchaseFacts(purchaseData('p1', 18000, '2026-03-20T10:00:00.000Z'), 'Europe/Paris');

  it('records each top-level condition with the facts it read and whether it passed', () => {
    const outcome = evaluateConditions(compiled(['customer.segment in ["champions", "loyal"] && customer.spendCents.d365 >= 50000', 'event.totalCents >= 15000']), {
      customer: alice,
      event: basket,
    });
    expect(outcome).toEqual({
      passed: false,
      conditions: [
        { expression: 'customer.segment in ["champions", "loyal"]', value: { 'customer.segment': 'loyal' }, passed: true, error: null },
        { expression: 'customer.spendCents.d365 >= 50000', value: { 'customer.spendCents.d365': 48000 }, passed: false, error: null },
        { expression: 'event.totalCents >= 15000', value: { 'event.totalCents': 18000 }, passed: true, error: null },
      ],
    });
  });

  it('passes when every condition passes; an empty audience is everyone', () => {
    expect(evaluateConditions(compiled(['customer.type == "b2c"', '"rouge" in event.categories']), { customer: alice, event: basket }).passed).toBe(true);
    expect(evaluateConditions(compiled([]), { customer: alice, event: basket })).toEqual({ passed: true, conditions: [] });
  });

  it('does not pass a condition on an unknown age, and says why', () => {
    const outcome = evaluateConditions(compiled(['customer.ageYears >= 25']), { customer: customer({ ageYears: null }), event: basket });
    expect(outcome.conditions).toEqual([{ expression: 'customer.ageYears >= 25', value: { 'customer.ageYears': null }, passed: false, error: 'customer.ageYears is null (unknown)' }]);
    expect(outcome.passed).toBe(false);
  });

  it('records whether an age was known, never the age itself', () => {
    const outcome = evaluateConditions(compiled(['customer.ageYears >= 25 && customer.birthday == "03-14"']), { customer: alice, event: basket });
    expect(outcome.conditions.map((c) => [c.value, c.passed])).toEqual([
      [{ 'customer.ageYears': 'withheld' }, true],
      [{ 'customer.birthday': '03-14' }, true],
    ]);
    expect(JSON.stringify(outcome)).not.toContain('41');
  });

  it('tells the runtime which campaigns read the age, so that it opens profiles for those only', () => {
    expect(readsFact(compiled(['customer.ageYears >= 25']), 'customer.ageYears')).toBe(true);
    expect(readsFact(compiled(['customer.type == "b2c"', 'customer.spendCents.d90 > 0']), 'customer.ageYears')).toBe(false);
    expect(readsFact(compiled(['customer.spendCents.d90 > 0']), 'customer.spendCents')).toBe(true);
  });

  it('guards against the unknown age with a null check', () => {
    const outcome = evaluateConditions(compiled(['customer.ageYears == null || customer.ageYears >= 25']), { customer: customer({ ageYears: null }), event: basket });
    expect(outcome.passed).toBe(true);
  });

  it('reads macros over lists, but records the list rather than the macro variable', () => {
    const outcome = evaluateConditions(compiled(['customer.categories.exists(c, c == "champagne")']), { customer: alice, event: basket });
    expect(outcome.conditions).toEqual([
      { expression: 'customer.categories.exists(c, c == "champagne")', value: { 'customer.categories': ['rouge', 'champagne'] }, passed: true, error: null },
    ]);
  });
});
