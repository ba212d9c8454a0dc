import { customerFolder, decideCustomerOutcome, DomainError, streams } from '@relance/domain';
import type { ScheduledJob, ScheduledMerchant, ScheduledRun } from '@relance/platform';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import type { DecisionContexts } from '../write-path/decision-context.js';
import type { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { expiryReviewCandidates } from './expiry-candidates.js';

/** Reviews in flight at once (the runner serialises each stream; this bounds the pool's use). */
const PARALLEL = 8;

export interface ExpiryReviewDeps {
  readonly pool: pg.Pool;
  readonly runner: StreamCommandRunner;
  readonly contexts: DecisionContexts;
  readonly merchants: readonly ScheduledMerchant[];
  /** Local hour (merchant's time zone) of the daily review. */
  readonly hour: number;
}

export interface ExpiryReviewSummary {
  readonly [key: string]: number;
  readonly candidates: number;
  readonly reviewed: number;
  readonly pointsExpired: number;
  readonly tierChanges: number;
  readonly refused: number;
}

/**
 * The daily expiry review: every candidate customer gets the ReviewCustomer decision, the same one
 * that opens every purchase (lots due expire at their own expiry time, then the tier is reviewed), so
 * balances, the expired-points figure and tiers are right for customers who never come back. After
 * downtime only the latest day runs: the decision expires every lot due by now, each at its own
 * time, so running the missed days first would change nothing but the tier change's date.
 */
export function expiryReviewJob(deps: ExpiryReviewDeps): ScheduledJob {
  return {
    name: 'expiry-review',
    cron: `0 ${deps.hour} * * *`,
    catchUp: 'latest',
    merchants: deps.merchants,
    run: (run) => reviewMerchant(deps, run),
  };
}

export async function reviewMerchant(deps: ExpiryReviewDeps, run: ScheduledRun): Promise<ExpiryReviewSummary> {
  const { merchantId } = run;
  const context = deps.contexts.forMerchant(merchantId);
  const lowestTier = context.program.definition.tiers.levels[0]?.id ?? null;
  const candidates = await expiryReviewCandidates(deps.pool, merchantId, context.now, lowestTier);
  const runId = `expiry-review-${run.period}`;
  const totals = { candidates: candidates.length, reviewed: 0, pointsExpired: 0, tierChanges: 0, refused: 0 };
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < candidates.length && !failed) {
      const customerId = candidates[next++]!;
      // A fresh seed per attempt: a review run again decides on the stream as it now is, and finds
      // nothing left to expire where the first attempt appended.
      const seed = uuidv7();
      const envelope: CommandEnvelope = { merchantId, actor: 'system:expiry-review', correlationId: runId, causationId: runId, seed, resumed: false };
      try {
        const outcome = await deps.runner.run({
          streamId: streams.customer(merchantId, customerId),
          folder: customerFolder(context.program.definition),
          decide: (state) => decideCustomerOutcome({ type: 'ReviewCustomer', data: {} }, state, context),
          envelope,
          step: 'review',
          occurredAt: context.now,
        });
        totals.reviewed++;
        for (const event of outcome.events) {
          if (event.type === 'PointsExpired') totals.pointsExpired += event.data.points;
          if (event.type === 'TierChanged') totals.tierChanges++;
        }
      } catch (error) {
        // A customer closed by a merge or erased since the read model saw them: nothing to review.
        if (!(error instanceof DomainError)) {
          failed = true;
          throw error;
        }
        totals.refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return totals;
}
