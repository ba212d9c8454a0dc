import { expect } from '@jest/globals';
import { DomainError, fold, type Decider, type DomainErrorCode } from '@relance/domain';

/**
 * given(past events).when(command, context).then(new events) | thenThrows(code) | thenNothingHappened()
 * — a decider's behaviour written as facts. `describe` names the prior state, `it` the outcome.
 */
export function deciderSpec<State, Command, Event, Context>(decider: Decider<State, Command, Event, Context>) {
  return {
    given(events: readonly Event[]) {
      return {
        when(command: Command, context: Context) {
          const decide = () => decider.decide(command, fold(decider, events), context);
          return {
            then(expected: readonly Event[]): void {
              expect(decide()).toEqual(expected);
            },
            /** For assertions on part of the result (a computed basis, an id…). */
            thenEvents(check: (events: Event[]) => void): void {
              check(decide());
            },
            /** The state after the new events, for rules that show only in state (a balance, a tier). */
            thenState(check: (state: State) => void): void {
              const state = fold(decider, [...events, ...decide()]);
              check(state);
            },
            thenNothingHappened(): void {
              expect(decide()).toEqual([]);
            },
            thenThrows(code: DomainErrorCode, details?: Record<string, unknown>): void {
              let thrown: unknown;
              try {
                decide();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(DomainError);
              expect((thrown as DomainError).code).toBe(code);
              if (details) expect((thrown as DomainError).details).toMatchObject(details);
            },
          };
        },
      };
    },
  };
}
