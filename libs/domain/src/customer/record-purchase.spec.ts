import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import { customerDecider } from './customer.decide.js';
import { customerBalance } from './customer.summary.js';
import { at, clubWithoutAutoIssue as program, CUSTOMER, enrol, enrolledAt, history, line, ofType, purchase } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const ENROLLED = '2026-01-10T10:00:00.000Z';
const SOLD = '2026-02-01T15:00:00.000Z';
const NOW = '2026-02-01T15:00:05.000Z';
const given = () => spec.given(enrolledAt(ENROLLED, program));

describe('an enrolled customer in Découverte', () => {
  it('has the purchase and the points it earns recorded together', () => {
    const command = purchase('p1', SOLD, [line(1, 4550)]);
    given()
      .when(command, at(NOW, program))
      .then([
        { type: 'PurchaseRecorded', data: command.data },
        {
          type: 'PointsEarned',
          data: {
            customerId: CUSTOMER,
            lotId: 'purchase:p1',
            points: 45,
            debtRepaid: 0,
            reason: 'purchase',
            sourceId: 'p1',
            programVersion: 'v1',
            basis: {
              eligibleCents: 4550,
              promoExcludedCents: 0,
              basisCents: 4550,
              perEuro: 1,
              tierMultiplier: 1,
              spendPoints: 45,
              perPurchase: 0,
              'line:1': 4550,
            },
            earnedAt: SOLD,
            // Earned on 1 February (Paris): good through 1 February 2028.
            expiresAt: '2028-02-01T23:00:00.000Z',
          },
        },
      ]);
  });

  it('earns double on champagne and nothing on promo lines', () => {
    given()
      .when(
        purchase('p1', SOLD, [line(1, 3000, { category: 'champagne' }), line(2, 2000, { promo: true }), line(3, 1000)]),
        at(NOW, program),
      )
      .thenEvents((events) => {
        const [earned] = ofType(events, 'PointsEarned');
        expect(earned?.points).toBe(70);
        expect(earned?.basis).toMatchObject({ eligibleCents: 4000, promoExcludedCents: 2000, basisCents: 7000 });
      });
  });

  it('earns at the rate of the tier held before the purchase, then moves up a tier', () => {
    spec
      .given(history([enrol, at(ENROLLED, program)], [purchase('p0', '2026-01-20T10:00:00.000Z', [line(1, 29000)]), at('2026-01-20T10:00:00.000Z', program)]))
      .when(purchase('p1', SOLD, [line(1, 10000)]), at(NOW, program))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['PurchaseRecorded', 'PointsEarned', 'TierChanged']);
        expect(ofType(events, 'PointsEarned')[0]).toMatchObject({ points: 100, basis: { tierMultiplier: 1 } });
        expect(ofType(events, 'TierChanged')[0]).toMatchObject({
          from: 'decouverte',
          to: 'amateur',
          direction: 'up',
          rollingSpendCents: 39000,
          // Reached on 1 February: kept at least through 1 February 2027.
          guaranteedUntil: '2027-02-01T23:00:00.000Z',
        });
      });
  });

  it('earns nothing and records no PointsEarned on a ticket made only of promo lines', () => {
    given()
      .when(purchase('p1', SOLD, [line(1, 5000, { promo: true })]), at(NOW, program))
      .thenEvents((events) => expect(events.map((e) => e.type)).toEqual(['PurchaseRecorded']));
  });

  it('refuses a ticket whose totals do not add up, naming the field', () => {
    given()
      .when(purchase('p1', SOLD, [line(1, 1000, { quantity: 2, unitPriceCents: 600 })]), at(NOW, program))
      .thenThrows('invalid-command', { path: 'lines.0.totalCents', expected: 1200 });
    given()
      .when(purchase('p1', SOLD, [line(1, 1000)], { totalCents: 900 }), at(NOW, program))
      .thenThrows('invalid-command', { path: 'totalCents' });
  });

  it('refuses a ticket recorded for another customer', () => {
    given().when(purchase('p1', SOLD, [line(1, 1000)], { customerId: 'someone-else' }), at(NOW, program)).thenThrows('invalid-command');
  });
});

describe('a customer in Amateur (earn multiplier 1.25)', () => {
  const amateur = history(
    [enrol, at(ENROLLED, program)],
    [purchase('p0', '2026-01-20T10:00:00.000Z', [line(1, 30000)]), at('2026-01-20T10:00:00.000Z', program)],
  );

  it('earns 1.25 points per euro', () => {
    spec
      .given(amateur)
      .when(purchase('p1', SOLD, [line(1, 10000)]), at(NOW, program))
      .thenEvents((events) => expect(ofType(events, 'PointsEarned')[0]).toMatchObject({ points: 125, basis: { tierMultiplier: 1.25 } }));
  });
});

describe('a customer with a purchase already recorded', () => {
  const events = history([enrol, at(ENROLLED, program)], [purchase('p1', SOLD, [line(1, 4550)]), at(NOW, program)]);

  it('refuses the same purchase id twice', () => {
    spec.given(events).when(purchase('p1', SOLD, [line(1, 4550)]), at(NOW, program)).thenThrows('purchase-already-recorded', { purchaseId: 'p1' });
  });

  it('adds the points of the next purchase to the balance', () => {
    spec
      .given(events)
      .when(purchase('p2', '2026-02-02T10:00:00.000Z', [line(1, 1000)]), at('2026-02-02T10:00:00.000Z', program))
      .thenState((state) => expect(customerBalance(state)).toBe(55));
  });
});

describe('a program with flat points per purchase over a minimum', () => {
  const flat = { ...program, definition: { ...program.definition, earn: { ...program.definition.earn, perPurchase: 10, minimumPurchaseCents: 2000 } } };

  it('adds them to a ticket that reaches the minimum only', () => {
    spec
      .given(enrolledAt(ENROLLED, flat))
      .when(purchase('p1', SOLD, [line(1, 2500)]), at(NOW, flat))
      .thenEvents((events) => expect(ofType(events, 'PointsEarned')[0]).toMatchObject({ points: 35, basis: { perPurchase: 10 } }));
    spec
      .given(enrolledAt(ENROLLED, flat))
      .when(purchase('p1', SOLD, [line(1, 1999)]), at(NOW, flat))
      .thenEvents((events) => expect(ofType(events, 'PointsEarned')[0]).toMatchObject({ points: 19, basis: { perPurchase: 0 } }));
  });
});
