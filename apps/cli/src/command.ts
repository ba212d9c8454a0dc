/** One CLI command: a name, a one-line summary for `relance help`, its usage, and what it does. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Returns the process exit code. */
  run(args: readonly string[]): Promise<number>;
}

// Defined in the platform library: the benchmarks, which the CLI runs, throw it as well.
export { UsageError } from '@relance/platform';
