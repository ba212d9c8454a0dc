/**
 * A mistake in how a command was called (an unknown option, a value out of range): the CLI prints it
 * with the command's usage and exits with code 2. Benchmarks throw it too, for their own options.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
