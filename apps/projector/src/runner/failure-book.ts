import { formatPosition, type LogPosition } from '@relance/event-store';
import type pg from 'pg';
import type { Projection } from '../projection.js';
import { messageOf } from './failure-scope.js';
import { clearStalls, loadParked, loadStalls, recordParkedFailure, recordStall, retryAt, type ParkedPart, type RetryPolicy, type Stall } from './failures.js';
import type { NewPark } from './isolate.js';
import type { ProjectorMetrics } from './projector-metrics.js';
import type { ResumeOutcome } from './resume-parked.js';

export interface FailureLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * What the live runner could not apply, as it stands: merchants' parts parked at an event, projections
 * stopped as a whole, when each is tried again. The stored rows (projection_parked, the stall columns
 * of projection_checkpoints) are the truth; this is the runner's copy of them, kept in step as it
 * parks, stops, resumes and recovers, and reloaded when it takes projections over.
 */
export class FailureBook {
  private parked = new Map<string, Map<string, ParkedPart>>();
  private stalls = new Map<string, Stall>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly retry: RetryPolicy,
    private readonly logger: FailureLogger,
    private readonly metrics: ProjectorMetrics | undefined,
  ) {}

  /** The stored state of these projections, swapped in whole so that /health never sees it half loaded. */
  async load(db: pg.PoolClient, projections: readonly string[]): Promise<void> {
    const parked = new Map<string, Map<string, ParkedPart>>();
    for (const part of await loadParked(db, projections)) this.partsOf(part.projection, parked).set(part.merchantId, part);
    this.stalls = await loadStalls(db, projections);
    this.parked = parked;
  }

  parkedParts(projection: string): ParkedPart[] {
    return [...(this.parked.get(projection)?.values() ?? [])];
  }

  parkedMerchants(projection: string): Set<string> {
    return new Set(this.parked.get(projection)?.keys() ?? []);
  }

  stallOf(projection: string): Stall | null {
    return this.stalls.get(projection) ?? null;
  }

  /** Not stopped, or stopped with its retry due: the projections a subscription should feed now. */
  following(projections: readonly Projection[], now = Date.now()): Projection[] {
    return projections.filter((p) => (this.stalls.get(p.name)?.retryAt.getTime() ?? 0) <= now);
  }

  /** Milliseconds until the first stopped projection is due (Infinity when none is stopped). */
  nextRetryIn(now = Date.now()): number {
    const times = [...this.stalls.values()].map((s) => s.retryAt.getTime());
    return times.length === 0 ? Infinity : Math.max(0, Math.min(...times) - now);
  }

  /** A parked part or a stopped projection among these is due for another try. */
  retryDue(projections: readonly Projection[], now = Date.now()): boolean {
    return projections.some(
      (p) => (this.stalls.get(p.name)?.retryAt.getTime() ?? Infinity) <= now || this.parkedParts(p.name).some((part) => part.retryAt.getTime() <= now),
    );
  }

  /** Parked parts due, per projection not stopped as a whole. */
  dueParts(projections: readonly Projection[], now = Date.now()): { projection: Projection; part: ParkedPart }[] {
    return projections
      .filter((p) => !this.stalls.has(p.name))
      .flatMap((projection) => this.parkedParts(projection.name).filter((part) => part.retryAt.getTime() <= now).map((part) => ({ projection, part })));
  }

  /** A projection that failed whatever the event: stopped at `at`, retried later with backoff. */
  async stall(projection: Projection, at: LogPosition, error: unknown): Promise<void> {
    const previous = this.stalls.get(projection.name);
    const failures = (previous?.failures ?? 0) + 1;
    const stall: Stall = { error: messageOf(error), failures, since: previous?.since ?? new Date(), retryAt: retryAt(failures, this.retry) };
    this.stalls.set(projection.name, stall);
    this.metrics?.failures.inc({ projection: projection.name, scope: 'projection' });
    this.logger.error(
      `Projection ${projection.name} stopped at ${formatPosition(at)}: ${stall.error}. It fails whatever the event, so it waits as a whole; ` +
        `the other projections go on. Retrying by itself (next in ${seconds(stall.retryAt)} s) until the cause is removed.`,
    );
    await recordStall(this.pool, projection.name, stall).catch((e: unknown) => this.logger.warn(`Could not record the stop of ${projection.name}: ${messageOf(e)}`));
  }

  /** Merchants parked by a batch applied in pieces (their rows are stored in that batch's transaction). */
  parkedNow(parks: readonly { projection: Projection; park: NewPark }[], firstRetry: Date): void {
    const now = new Date();
    for (const { projection, park: p } of parks) {
      this.partsOf(projection.name).set(p.merchantId, {
        projection: projection.name,
        merchantId: p.merchantId,
        position: p.position,
        eventId: p.event.eventId,
        eventType: p.event.type,
        eventPosition: formatPosition(p.event.position),
        error: p.error,
        failures: 1,
        parkedAt: now,
        retryAt: firstRetry,
      });
      this.metrics?.failures.inc({ projection: projection.name, scope: 'event' });
      this.logger.error(
        `Projection ${projection.name} cannot apply event ${p.event.eventId} (${p.event.type}) at ${formatPosition(p.event.position)} ` +
          `of merchant ${p.merchantId || '(none)'}: ${p.error}. That merchant's ${projection.name} rows wait at ${formatPosition(p.position)}; ` +
          `the other merchants go on. Retrying by itself (next in ${seconds(firstRetry)} s) until the cause is removed.`,
      );
    }
  }

  /** After a retry of a parked part: caught up (it follows the log again), or still failing (next try later). */
  async resumed(projection: Projection, part: ParkedPart, outcome: ResumeOutcome): Promise<void> {
    const parts = this.partsOf(projection.name);
    if (outcome.kind === 'caught-up') {
      parts.delete(part.merchantId);
      this.logger.log(
        `Projection ${projection.name}: merchant ${part.merchantId || '(none)'} applies events again (${outcome.applied} applied from ${formatPosition(part.position)}); ` +
          'it follows the log with the others.',
      );
      return;
    }
    const failures = part.failures + 1;
    const next = retryAt(failures, this.retry);
    const error = messageOf(outcome.error);
    await recordParkedFailure(this.pool, { ...part }, outcome.event, error, next);
    parts.set(part.merchantId, {
      ...part,
      position: outcome.position,
      eventId: outcome.event.eventId,
      eventType: outcome.event.type,
      eventPosition: formatPosition(outcome.event.position),
      error,
      failures,
      retryAt: next,
    });
    this.logger.error(
      `Projection ${projection.name}, merchant ${part.merchantId || '(none)'}: event ${outcome.event.eventId} (${outcome.event.type}) at ` +
        `${formatPosition(outcome.event.position)} still cannot be applied (${failures} attempts): ${error}. Next attempt in ${seconds(next)} s.`,
    );
  }

  /** Stopped projections a committed batch applied: they recovered. Returns their names. */
  async recovered(applied: readonly string[], at: LogPosition): Promise<string[]> {
    const names = applied.filter((name) => this.stalls.has(name));
    if (names.length === 0) return names;
    for (const name of names) this.stalls.delete(name);
    await clearStalls(this.pool, names);
    this.logger.log(`Projection ${names.join(', ')} applies events again: it follows the log from ${formatPosition(at)}`);
    return names;
  }

  private partsOf(projection: string, parked = this.parked): Map<string, ParkedPart> {
    let parts = parked.get(projection);
    if (!parts) parked.set(projection, (parts = new Map()));
    return parts;
  }
}

function seconds(at: Date): number {
  return Math.max(0, Math.round((at.getTime() - Date.now()) / 100) / 10);
}
