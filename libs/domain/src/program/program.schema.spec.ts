import { describe, expect, it } from '@jest/globals';
import { clubInput } from '../customer/customer.fixtures.js';
import { canonicalJson, parseProgram, type ProgramInput } from './program.schema.js';

function issuesOf(input: unknown): Record<string, string> {
  const result = parseProgram(input);
  if (result.success) throw new Error('expected the program to be refused');
  return Object.fromEntries(result.issues.map((issue) => [issue.path.join('.'), issue.message]));
}

const withTiers = (levels: unknown[]): unknown => ({ ...clubInput, tiers: { ...clubInput.tiers, levels } });
const withRewards = (rewards: unknown[]): unknown => ({ ...clubInput, rewards });

describe('a valid program', () => {
  it('parses with every default filled in', () => {
    const minimal: ProgramInput = {
      name: 'Cave',
      earn: { perEuro: 1 },
      tiers: { windowMonths: 12, guaranteeMonths: 0, downgrade: 'one-step', levels: [{ id: 'membre', name: 'Membre', minSpendCents: 0 }] },
      expiry: null,
    };
    const result = parseProgram(minimal);
    expect(result.success && result.program).toEqual({
      name: 'Cave',
      earn: { perEuro: 1, perPurchase: 0, minimumPurchaseCents: 0, categoryMultipliers: {}, promoLines: 'excluded', visits: null },
      tiers: { windowMonths: 12, guaranteeMonths: 0, downgrade: 'one-step', levels: [{ id: 'membre', name: 'Membre', minSpendCents: 0, earnMultiplier: 1 }] },
      refunds: { windowDays: 365 },
      rewards: [],
      expiry: null,
    });
  });

  it('takes a refund window of 1 to 730 days', () => {
    const base = { name: 'Cave', earn: { perEuro: 1 }, tiers: clubInput.tiers, expiry: null };
    expect(parseProgram({ ...base, refunds: { windowDays: 30 } })).toMatchObject({ success: true, program: { refunds: { windowDays: 30 } } });
    expect(Object.keys(issuesOf({ ...base, refunds: { windowDays: 0 } }))).toEqual(['refunds.windowDays']);
    expect(Object.keys(issuesOf({ ...base, refunds: { windowDays: 731 } }))).toEqual(['refunds.windowDays']);
  });
});

describe('a program with mistakes in its fields', () => {
  it('reports missing settings, wrong types and unknown keys, each at its path', () => {
    const issues = issuesOf({ name: 'Cave', earn: { perEuro: 'un', bonus: 3 }, tiers: clubInput.tiers, rewards: [] });
    expect(issues).toEqual({
      'earn.perEuro': 'must be a number (got "un")',
      'earn.bonus': 'unknown setting',
      expiry: 'required',
    });
  });

  it('bounds multipliers to (0, 10] with at most 3 decimals', () => {
    const issues = issuesOf({
      ...clubInput,
      earn: { ...clubInput.earn, categoryMultipliers: { champagne: 0, spiritueux: 12, rhum: 1.2345 } },
    });
    expect(issues['earn.categoryMultipliers.champagne']).toBe('must be greater than 0');
    expect(issues['earn.categoryMultipliers.spiritueux']).toBe('must be at most 10');
    expect(issues['earn.categoryMultipliers.rhum']).toBe('at most 3 decimals (e.g. 1.125)');
  });

  it('names the accepted values of an enumeration', () => {
    expect(issuesOf({ ...clubInput, earn: { ...clubInput.earn, promoLines: 'cumul' } })['earn.promoLines']).toBe(
      'must be "excluded" or "included" (got "cumul")',
    );
  });
});

describe('a program whose tier levels do not hold together', () => {
  it('requires the first level to start at 0', () => {
    expect(issuesOf(withTiers([{ id: 'amateur', name: 'Amateur', minSpendCents: 100 }]))['tiers.levels.0.minSpendCents']).toBe(
      'the first level must start at 0: every customer holds a tier',
    );
  });

  it('requires strictly increasing thresholds and unique ids', () => {
    const issues = issuesOf(
      withTiers([
        { id: 'a', name: 'A', minSpendCents: 0 },
        { id: 'b', name: 'B', minSpendCents: 50000 },
        { id: 'a', name: 'C', minSpendCents: 50000 },
      ]),
    );
    expect(issues['tiers.levels.2.minSpendCents']).toBe("must be greater than the previous level's (50000): levels go from lowest to highest");
    expect(issues['tiers.levels.2.id']).toBe('duplicate level id "a" (also levels[0])');
  });

  it('refuses a tier multiplier above 10', () => {
    expect(issuesOf(withTiers([{ id: 'a', name: 'A', minSpendCents: 0, earnMultiplier: 11 }]))['tiers.levels.0.earnMultiplier']).toBe(
      'must be at most 10',
    );
  });
});

describe('a program whose rewards do not hold together', () => {
  const voucher = { id: 'bon', name: 'Bon', kind: 'voucher', costPoints: 100, valueCents: 500, autoIssue: true };

  it('allows at most one automatic reward', () => {
    expect(issuesOf(withRewards([voucher, { ...voucher, id: 'bon-2' }]))['rewards.1.autoIssue']).toBe(
      'only one reward can be issued automatically (already rewards[0])',
    );
  });

  it('requires minTier to name a level', () => {
    expect(issuesOf(withRewards([{ ...voucher, minTier: 'expert' }]))['rewards.0.minTier']).toBe(
      'unknown level "expert" (levels: decouverte, amateur, connaisseur)',
    );
  });

  it('requires unique ids and a value for a voucher', () => {
    const issues = issuesOf(withRewards([voucher, { id: 'bon', name: 'Autre', kind: 'voucher', costPoints: 50 }]));
    expect(issues['rewards.1.id']).toBe('duplicate reward id "bon" (also rewards[0])');
    expect(issues['rewards.1.valueCents']).toBe('required for a voucher (its value in cents)');
  });
});

describe('a program with mistakes of both kinds', () => {
  it('reports the rules between fields together with the type errors, all at once', () => {
    const issues = issuesOf({
      ...clubInput,
      earn: { ...clubInput.earn, perEuro: -1 },
      tiers: { ...clubInput.tiers, windowMonths: 'douze' },
      rewards: [{ ...clubInput.rewards[1], minTier: 'expert' }],
    });
    expect(issues).toEqual({
      'earn.perEuro': 'must be at least 0',
      'tiers.windowMonths': 'must be a number (got "douze")',
      'rewards.0.minTier': 'unknown level "expert" (levels: decouverte, amateur, connaisseur)',
    });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text for the same program written in another order', () => {
    const reordered = { expiry: clubInput.expiry, rewards: clubInput.rewards, tiers: clubInput.tiers, earn: clubInput.earn, name: clubInput.name };
    const a = parseProgram(clubInput);
    const b = parseProgram(reordered);
    expect(a.success && b.success && canonicalJson(a.program) === canonicalJson(b.program)).toBe(true);
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: new Date(0) })).toThrow(TypeError);
  });
});
