import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@relance/testing/decider-spec.js';
import type { ActiveProgram } from '../program/program.schema.js';
import { customerDecider } from './customer.decide.js';
import { activeProgram, at, clubInput, clubWithoutAutoIssue as program, enrol, history, line, ofType, purchase } from './customer.fixtures.js';

const spec = deciderSpec(customerDecider);
const review = { type: 'ReviewCustomer', data: {} } as const;
const refundAll = (refundId: string, purchaseId: string, refundedAt: string) =>
  ({ type: 'RefundPurchase', data: { purchaseId, refundId, refundedAt, storeId: 'store-1', reason: null } }) as const;

/** Reaches Amateur on 15 January 2026 (guaranteed through 15 January 2027), then is fully refunded. */
function amateurRefunded(p: ActiveProgram = program) {
  return history(
    [enrol, at('2026-01-10T10:00:00.000Z', p)],
    [purchase('p1', '2026-01-15T10:00:00.000Z', [line(1, 35000)]), at('2026-01-15T10:00:00.000Z', p)],
    [refundAll('r1', 'p1', '2026-03-01T10:00:00.000Z'), at('2026-03-01T10:00:00.000Z', p)],
  );
}

describe('a customer who reached Amateur and whose spend then fell to nothing', () => {
  it('was not downgraded by the refund itself: the tier is guaranteed', () => {
    expect(ofType(amateurRefunded(), 'TierChanged').map((t) => [t.to, t.guaranteedUntil])).toEqual([
      ['decouverte', null],
      ['amateur', '2027-01-15T23:00:00.000Z'],
    ]);
  });

  it('keeps the tier until the guarantee has passed', () => {
    spec.given(amateurRefunded()).when(review, at('2026-09-01T10:00:00.000Z')).thenNothingHappened();
    spec.given(amateurRefunded()).when(review, at('2027-01-15T22:59:59.000Z')).thenNothingHappened();
  });

  it('goes down to the qualifying level once the guarantee has passed', () => {
    spec
      .given(amateurRefunded())
      .when(review, at('2027-01-15T23:00:00.000Z', program))
      .thenEvents((events) =>
        expect(events).toEqual([
          {
            type: 'TierChanged',
            data: {
              customerId: 'cust-1',
              from: 'amateur',
              to: 'decouverte',
              direction: 'down',
              currency: 'EUR',
              // Each counted at its own date: the March refund is in the window, its January purchase no longer is.
              rollingSpendCents: -35000,
              windowStart: '2026-01-15T23:00:00.000Z',
              guaranteedUntil: null,
              programVersion: 'v1',
              changedAt: '2027-01-15T23:00:00.000Z',
            },
          },
        ]),
      );
  });
});

describe('a Connaisseur whose spend leaves the rolling window', () => {
  const levelsFor = (downgrade: 'one-step' | 'to-qualifying') =>
    activeProgram({ ...clubInput, rewards: [], tiers: { ...clubInput.tiers, downgrade } });
  const connaisseur = (p: ActiveProgram) =>
    history([enrol, at('2026-01-10T10:00:00.000Z', p)], [purchase('p1', '2026-01-15T10:00:00.000Z', [line(1, 120000)]), at('2026-01-15T10:00:00.000Z', p)]);

  it('goes down one level at a time with one-step, the guarantee re-armed from the change', () => {
    const p = levelsFor('one-step');
    spec
      .given(connaisseur(p))
      .when(review, at('2027-02-01T10:00:00.000Z', p))
      .thenEvents((events) =>
        expect(ofType(events, 'TierChanged')).toEqual([
          expect.objectContaining({ from: 'connaisseur', to: 'amateur', direction: 'down', rollingSpendCents: 0, guaranteedUntil: '2028-02-01T23:00:00.000Z' }),
        ]),
      );
  });

  it('goes straight to the qualifying level with to-qualifying', () => {
    const p = levelsFor('to-qualifying');
    spec
      .given(connaisseur(p))
      .when(review, at('2027-02-01T10:00:00.000Z', p))
      .thenEvents((events) => expect(ofType(events, 'TierChanged')).toEqual([expect.objectContaining({ from: 'connaisseur', to: 'decouverte' })]));
  });

  it('is still Connaisseur on the last day the purchase counts', () => {
    const p = levelsFor('to-qualifying');
    // The window on 15 January 2027 starts at 00:00 on 15 January 2026 in Paris: the purchase still counts.
    spec.given(connaisseur(p)).when(review, at('2027-01-15T22:00:00.000Z', p)).thenNothingHappened();
  });
});

describe('a Découverte customer', () => {
  it('moves up several levels at once when one ticket is enough', () => {
    spec
      .given(history([enrol, at('2026-01-10T10:00:00.000Z', program)]))
      .when(purchase('p1', '2026-02-01T10:00:00.000Z', [line(1, 150000)]), at('2026-02-01T10:00:00.000Z', program))
      .thenEvents((events) => expect(ofType(events, 'TierChanged')).toEqual([expect.objectContaining({ from: 'decouverte', to: 'connaisseur', direction: 'up' })]));
  });
});
