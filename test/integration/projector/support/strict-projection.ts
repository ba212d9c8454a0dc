import type { Projection } from '../../../../apps/projector/src/projection.js';
import { PROJECTIONS } from '../../../../apps/projector/src/projections/index.js';
import { appliedEverything, type ProjectorEnv } from './projector-env.js';

/**
 * Runs the projections over everything appended so far, like `env.project`, but a batch that fails
 * fails the caller at once with the projector's error, instead of being retried until a timeout.
 */
export async function projectStrictly(env: ProjectorEnv, projections: readonly Projection[] = PROJECTIONS, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  do {
    const failures: string[] = [];
    const runner = env.runner({
      projections,
      untilCaughtUp: true,
      logger: {
        log: () => undefined,
        warn: () => undefined,
        error: (message) => {
          failures.push(message);
          void runner.stop();
        },
      },
    });
    await runner.run();
    if (failures.length > 0) throw new Error(`A projection batch failed: ${failures[0]}`);
    if (Date.now() > deadline) throw new Error(`The projections did not catch up within ${timeoutMs} ms`);
  } while (!(await appliedEverything(env.pool, projections)));
}
