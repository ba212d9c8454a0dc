import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addDaysToLocalDate, localDateOf } from '@relance/domain';
import type { Clock } from '@relance/platform';
import { until } from '../projector/support/child-process.js';
import { campaignsYaml, rulesEnv, type Decision, type RulesEnv } from './support/rules-env.js';

/**
 * Facts the read model keeps sealed, decided on real PostgreSQL: the age, read from the sealed birth
 * date at the decision in the merchant's time zone (Europe/Paris), and whether a letter can reach the
 * customer, which the projector keeps beside the sealed address.
 */
const CAMPAIGNS = campaignsYaml(`
  - id: gros-panier
    name: Merci pour votre visite
    trigger: { type: purchase, filter: "event.totalCents >= 15000" }
    actions:
      message: { channels: [email], template: big-basket }
  - id: grands-crus
    name: Les grands crus
    trigger: { type: purchase, filter: "event.totalCents >= 5000 && event.totalCents < 15000" }
    audience: customer.ageYears >= 25
    promotesAlcohol: false
    actions:
      message: { channels: [email], template: big-basket }
  - id: courrier
    name: Un courrier
    trigger: { type: purchase, filter: "event.totalCents >= 4000 && event.totalCents < 5000" }
    promotesAlcohol: false
    actions:
      message: { channels: [postal, email], template: reactivation }
      voucher: { percent: 10, validityDays: 30 }
`);

// The decisions are taken at 23:30 UTC the day before `DAY`: already `DAY` in Paris (00:30 or 01:30),
// still the day before in UTC. `DAY` is a month ahead, so that whoever turns 18 on it is a minor today,
// when they are enrolled (the read model then has no "adult since" for them).
const today = localDateOf(new Date().toISOString(), 'Europe/Paris');
let DAY = addDaysToLocalDate(today, 30);
if (DAY.endsWith('-02-29')) DAY = addDaysToLocalDate(DAY, 1);
const DECIDED_AT = new Date(`${addDaysToLocalDate(DAY, -1)}T23:30:00.000Z`);
const yearsBefore = (date: string, years: number) => `${Number(date.slice(0, 4)) - years}${date.slice(4)}`;
const clock: Clock = { now: () => DECIDED_AT };

let world: RulesEnv;

beforeAll(async () => {
  world = await rulesEnv('rulesage', CAMPAIGNS);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const emailed = (id: string, profile: Record<string, unknown> = {}) => ({
  profile: { firstName: 'Ana', email: `${id}@example.fr`, ...profile },
  consents: [{ channel: 'email', purpose: 'marketing' }],
});

async function decisionOf(campaignId: string, customerId: string): Promise<Decision> {
  await until(async () => (await world.decisions(campaignId)).some((d) => d.customerId === customerId), 30_000, `the ${campaignId} decision about ${customerId}`);
  return (await world.decisions(campaignId)).find((d) => d.customerId === customerId)!;
}

describe('an offer promoting alcohol, for a merchant selling it', () => {
  beforeAll(async () => {
    await world.enrol('mineur', emailed('mineur', { birthDate: yearsBefore(today, 15) }));
    await world.enrol('majeur-ce-jour', emailed('majeur-ce-jour', { birthDate: yearsBefore(DAY, 18) }));
    await world.enrol('majeur-demain', emailed('majeur-demain', { birthDate: yearsBefore(addDaysToLocalDate(DAY, 1), 18) }));
    await world.enrol('age-inconnu', emailed('age-inconnu'));
    await world.enrol('adulte', emailed('adulte', { birthDate: '1980-04-02' }));
    await world.enrol('jeune', emailed('jeune', { birthDate: yearsBefore(today, 22) }));
    for (const id of ['mineur', 'majeur-ce-jour', 'majeur-demain', 'age-inconnu', 'adulte']) await world.purchase(id, 20_000);
    for (const id of ['adulte', 'jeune', 'age-inconnu']) await world.purchase(id, 6_000);
    await world.projected();
    await world.runtime({ clock });
  }, 120_000);

  it('is not sent to a customer under 18, and the record says not of age, never the age', async () => {
    const decision = await decisionOf('gros-panier', 'mineur');
    expect(decision).toMatchObject({ type: 'MessageSuppressed', reason: 'age', detail: 'under 18: no offer promoting alcohol' });
    expect(decision.controls).toContainEqual({ control: 'age', value: { ofAge: false }, passed: false, detail: 'under 18: no offer promoting alcohol' });
    expect(JSON.stringify(decision)).not.toMatch(/ageYears|birthDate/);
  });

  it('is sent on the 18th birthday in Paris, while it is still the day before in UTC', async () => {
    // Recorded as a minor: only the sealed birth date can say they came of age.
    const { rows } = await world.env.pool.query(`SELECT adult_since, birthday FROM customers WHERE merchant_id = $1 AND customer_id = 'majeur-ce-jour'`, [world.merchantId]);
    expect(rows).toEqual([{ adult_since: null, birthday: DAY.slice(5) }]);
    const decision = await decisionOf('gros-panier', 'majeur-ce-jour');
    expect(decision).toMatchObject({ type: 'CampaignTriggered', channel: 'email' });
    expect(decision.controls).toContainEqual({ control: 'age', value: { ofAge: true }, passed: true, detail: null });
  });

  it('is not sent the day before the 18th birthday', async () => {
    expect(await decisionOf('gros-panier', 'majeur-demain')).toMatchObject({ type: 'MessageSuppressed', reason: 'age', detail: 'under 18: no offer promoting alcohol' });
  });

  it('is not sent to a customer of unknown age', async () => {
    const decision = await decisionOf('gros-panier', 'age-inconnu');
    expect(decision).toMatchObject({ type: 'MessageSuppressed', reason: 'age' });
    expect(decision.controls).toContainEqual({ control: 'age', value: { ofAge: null }, passed: false, detail: 'age unknown: an offer promoting alcohol needs a birth date showing 18 or over' });
  });

  it('is sent to a customer of age', async () => {
    expect(await decisionOf('gros-panier', 'adulte')).toMatchObject({ type: 'CampaignTriggered', channel: 'email' });
  });

  it('lets an audience compare customer.ageYears, recording whether the age was known but not its value', async () => {
    const adult = await decisionOf('grands-crus', 'adulte');
    expect(adult).toMatchObject({ type: 'CampaignTriggered', channel: 'email' });
    const young = await decisionOf('grands-crus', 'jeune');
    expect(young).toMatchObject({ type: 'MessageSuppressed', reason: 'audience', detail: 'not passed: customer.ageYears >= 25' });
    const unknown = await decisionOf('grands-crus', 'age-inconnu');
    expect(unknown).toMatchObject({ type: 'MessageSuppressed', reason: 'audience' });
    expect(unknown.conditions).toEqual([expect.objectContaining({ expression: 'customer.ageYears >= 25', passed: false, error: 'customer.ageYears is null (unknown)' })]);
    const ages = [adult, young].map((d) => JSON.stringify(d.conditions));
    expect(ages.join()).not.toMatch(/\b(22|4[0-9])\b/);
  });
});

describe('a campaign that prefers a letter', () => {
  const ADDRESS = { line1: '3 rue des Halles', postalCode: '69001', city: 'Lyon' };
  const withPostal = (id: string, profile: Record<string, unknown>, email: boolean) => ({
    profile: { firstName: 'Léa', ...(email ? { email: `${id}@example.fr` } : {}), ...profile },
    consents: [{ channel: 'postal', purpose: 'marketing' }, ...(email ? [{ channel: 'email', purpose: 'marketing' }] : [])],
  });

  beforeAll(async () => {
    await world.enrol('lettre', withPostal('lettre', { postalAddress: ADDRESS }, true));
    await world.enrol('sans-adresse', withPostal('sans-adresse', {}, true));
    await world.enrol('demenage', withPostal('demenage', { postalAddress: ADDRESS }, true));
    await world.enrol('injoignable', withPostal('injoignable', {}, false));
    const cleared = await world.api('PATCH', '/v1/customers/demenage', { body: { profile: { postalAddress: null } } });
    expect(cleared.status).toBe(200);
    for (const id of ['lettre', 'sans-adresse', 'demenage', 'injoignable']) await world.purchase(id, 4_500);
    await world.projected();
  }, 120_000);

  it('has the projector keep whether the sealed address can take a letter, set and cleared with the profile', async () => {
    const { rows } = await world.env.pool.query<{ customer_id: string; postal_reachable: boolean }>(
      `SELECT customer_id, postal_reachable FROM customers WHERE merchant_id = $1 AND customer_id = ANY($2::text[]) ORDER BY customer_id`,
      [world.merchantId, ['lettre', 'sans-adresse', 'demenage', 'injoignable']],
    );
    expect(Object.fromEntries(rows.map((r) => [r.customer_id, r.postal_reachable]))).toEqual({
      lettre: true,
      'sans-adresse': false,
      demenage: false,
      injoignable: false,
    });
  });

  it('sends a letter to a customer with a complete address', async () => {
    const decision = await decisionOf('courrier', 'lettre');
    expect(decision).toMatchObject({ type: 'CampaignTriggered', channel: 'postal' });
    expect(decision.channelReasons).toEqual([{ channel: 'postal', usable: true, reason: 'usable', detail: null }, expect.objectContaining({ channel: 'email' })]);
  });

  it('falls back to email without an address, or once the address is cleared', async () => {
    for (const id of ['sans-adresse', 'demenage']) {
      const decision = await decisionOf('courrier', id);
      expect(decision).toMatchObject({ type: 'CampaignTriggered', channel: 'email' });
      expect(decision.channelReasons).toEqual([
        { channel: 'postal', usable: false, reason: 'unreachable', detail: 'no postal address' },
        { channel: 'email', usable: true, reason: 'usable', detail: null },
      ]);
    }
  });

  it('suppresses as unreachable a customer with neither an address nor an email', async () => {
    const decision = await decisionOf('courrier', 'injoignable');
    expect(decision).toMatchObject({ type: 'MessageSuppressed', reason: 'unreachable', messageId: null });
    expect(decision.channelReasons).toEqual([
      { channel: 'postal', usable: false, reason: 'unreachable', detail: 'no postal address' },
      { channel: 'email', usable: false, reason: 'no-consent', detail: 'no marketing consent for email' },
    ]);
  });
});
