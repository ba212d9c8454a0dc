/** The current time, injected: the only place the shell reads the wall clock. Tests pass their own. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
