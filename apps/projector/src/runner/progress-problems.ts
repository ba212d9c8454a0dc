import { formatPosition } from '@relance/event-store';
import type { RunnerStatus } from './projection-runner.js';

/**
 * What /health reports about the projections this process writes, one line each: a projection stopped
 * as a whole, a merchant's part waiting at an event it cannot apply, a projection further behind the
 * log's head than `lagAlertSeconds`, batches failing as a whole. Empty when all is well.
 */
export function progressProblems(status: RunnerStatus, lagAlertSeconds: number): string[] {
  const problems: string[] = [];
  if (status.failing) problems.push(`batches failing since ${status.failing.since.toISOString()}: ${status.failing.error}`);
  for (const p of status.projections) {
    if (p.stall) {
      problems.push(`${p.name} stopped at ${formatPosition(p.checkpoint)} since ${p.stall.since.toISOString()} (${p.stall.failures} attempts): ${p.stall.error}`);
    }
    for (const part of p.parked) {
      problems.push(
        `${p.name}: merchant ${part.merchantId || '(none)'} waits since ${part.parkedAt.toISOString()} at event ${part.eventId} (${part.eventType}) ` +
          `at ${part.eventPosition}: ${part.error}`,
      );
    }
    if (p.backlog && p.backlog.seconds >= lagAlertSeconds) {
      problems.push(`${p.name}: ${p.backlog.complete ? '' : 'at least '}${p.backlog.events} events, ${Math.round(p.backlog.seconds)} s behind the log's head`);
    }
  }
  return problems;
}
