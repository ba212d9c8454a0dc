/**
 * A decider: the whole behaviour of one stream as three pure functions. The shell loads the stream,
 * folds it with `evolve` from `initialState()`, calls `decide`, and appends what it returns with the
 * revision it read (retrying on a concurrent write).
 */
export interface Decider<State, Command, Event, Context = void> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State, context: Context): Event[];
}

export function fold<State, Event>(
  decider: Pick<Decider<State, unknown, Event, unknown>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

/** Makes a switch exhaustive: adding a command or event type without handling it fails to compile. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
