import {
  comparePositions,
  formatPosition,
  START,
  type Backlog,
  type EventStore,
  type LogPosition,
  type Subscription,
  type SubscriptionBatch,
} from '@relance/event-store';
import { ConsumerLoop } from '@relance/platform';
import type pg from 'pg';
import type { Projection } from '../projection.js';
import { ensureCheckpoints, loadCheckpoints, moveCheckpoints, type CheckpointMove, type CheckpointTable } from './checkpoints.js';
import { heldLocks, liveLockName, LockSession, nextLockName, swapRequests } from './locks.js';
import { commitBatch, commitParts, ConcurrentWriterError, merchantOf, prepareBatch, splitParts, type PreparedBatch } from './apply-batch.js';
import { failureScope, messageOf } from './failure-scope.js';
import { FailureBook } from './failure-book.js';
import { DEFAULT_RETRY, park, retryAt, type ParkedPart, type RetryPolicy, type Stall } from './failures.js';
import { applyPartIsolated, type NewPark } from './isolate.js';
import type { ProfileOpener } from './profile-opener.js';
import { ContextFactory, type TimeZones } from './projection-context.js';
import type { ProjectorMetrics } from './projector-metrics.js';
import { resumeParked } from './resume-parked.js';

export interface RunnerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunnerOptions {
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly projections: readonly Projection[];
  readonly profiles: ProfileOpener;
  readonly timeZones: TimeZones;
  readonly logger: RunnerLogger;
  readonly metrics?: ProjectorMetrics;
  /** Events per batch (one transaction). */
  readonly batchSize?: number;
  /** The live tables, or the `_next` tables of a rebuild (with their own checkpoints and locks). */
  readonly target?: 'live' | 'next';
  /** Return once caught up with the log instead of following it. */
  readonly untilCaughtUp?: boolean;
  /** How often a waiting runner tries the locks it does not hold, and checks for swap requests and retries due. */
  readonly pollMs?: number;
  /** A session whose locks the caller manages (a rebuild); the runner then does not close it. */
  readonly session?: LockSession;
  /**
   * Connections a batch is committed on at once, its projections split between them (a rebuild, where
   * PostgreSQL applying the batches is what the runner waits for). Default 1.
   */
  readonly writeConnections?: number;
  /** When a parked merchant or a stopped projection is tried again (doubling from firstMs up to maxMs). */
  readonly retry?: RetryPolicy;
  /** How often the lag behind the log's head is measured (a runner that follows the log). Default 1 s. */
  readonly lagIntervalMs?: number;
}

/** Where one projection this runner writes stands. */
export interface ProjectionProgress {
  readonly name: string;
  readonly checkpoint: LogPosition;
  /** Behind the log's head from the checkpoint; null until first measured. */
  readonly backlog: Backlog | null;
  /** Age of the oldest event not applied: the backlog's, or that of a parked merchant's wait. */
  readonly lagSeconds: number;
  /** Stopped as a whole at its checkpoint (the others go on). */
  readonly stall: Stall | null;
  /** Merchants whose part waits at an event it cannot apply (the other merchants go on). */
  readonly parked: readonly ParkedPart[];
}

export interface RunnerStatus {
  readonly projections: readonly ProjectionProgress[];
  /** Batches failing as a whole and retried (the database, the connection), since when and why. */
  readonly failing: { readonly since: Date; readonly error: string } | null;
}

/**
 * Runs projections from their checkpoints: one catch-up subscription from the lowest checkpoint,
 * each batch applied to every projection whose checkpoint it passes, in one transaction with the
 * checkpoints. Writes only the projections whose advisory lock it holds; waits for the others and
 * takes them over when their holder dies or hands them over (blue/green swap).
 *
 * What the live runner cannot apply stops only what it must (failure-scope.ts): a batch that fails is
 * applied again projection by projection, then merchant by merchant; a merchant whose event fails is
 * parked for that projection (the others go on), a projection that fails whatever the events stops at
 * its checkpoint (the other projections go on). Both are retried on a timer, with backoff, until the
 * cause is removed; a failure of the database is retried with the whole batch.
 */
export class ProjectionRunner {
  private readonly checkpoints = new Map<string, LogPosition>();
  private readonly contexts: ContextFactory;
  private active: Projection[] = [];
  /** The projections the current subscription feeds: the active ones, but not those stopped and not yet due. */
  private following: Projection[] = [];
  private session: LockSession | null;
  private subscription: Subscription | null = null;
  /** Resumes from the stored checkpoints after a failure, with backoff; ends with stop() or the pool. */
  private readonly consumer: ConsumerLoop;
  private restart = false;
  /** A batch was applied in pieces: what was prepared after it assumed otherwise and is dropped. */
  private reprepare = false;
  private running: Promise<void> | null = null;
  private lastSeen: LogPosition = START;
  /** Connections besides the lock session's, for writeConnections > 1; held while following the log. */
  private writers: pg.PoolClient[] = [];
  private readonly failures: FailureBook;
  private readonly backlogs = new Map<string, Backlog>();
  private failing: RunnerStatus['failing'] = null;
  /** When batches started to fail; kept until one commits (a retry that reaches the database is not yet a success). */
  private failingSince: Date | null = null;
  private measuring = false;

  constructor(private readonly options: RunnerOptions) {
    this.session = options.session ?? null;
    this.contexts = new ContextFactory(this.target === 'live' ? '' : '_next', options.timeZones);
    this.failures = new FailureBook(options.pool, options.retry ?? DEFAULT_RETRY, options.logger, options.metrics);
    this.consumer = new ConsumerLoop({
      pool: options.pool,
      backoff: { firstMs: options.pollMs ?? 1000, maxMs: 30_000 },
      failed: (error, retryInMs) => this.failed(error, retryInMs),
      // Whoever owns the pool has ended it (the process, or a test, is shutting down): nothing this
      // runner could do will ever succeed again.
      poolEnded: (error) => {
        if (this.options.session) throw error;
        this.options.logger.warn(`Projection runner stopped: its database pool was closed (${messageOf(error)})`);
      },
    });
  }

  private get target() {
    return this.options.target ?? 'live';
  }

  private get checkpointTable(): CheckpointTable {
    return this.target === 'live' ? 'projection_checkpoints' : 'projection_rebuild_checkpoints';
  }

  /** The live projector isolates failures; a rebuild (its own session, `_next` tables) stops on the first. */
  private get isolating(): boolean {
    return this.target === 'live' && !this.options.session;
  }

  private lockName(p: Projection): string {
    return this.target === 'live' ? liveLockName(p.name) : nextLockName(p.name);
  }

  /** Runs until stop() (or until caught up, with untilCaughtUp). */
  run(): Promise<void> {
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.consumer.stop();
    await this.subscription?.close();
    await this.running;
  }

  /** Names of the projections this runner writes right now. */
  writing(): string[] {
    return this.active.map((p) => p.name);
  }

  status(): RunnerStatus {
    const now = Date.now();
    return {
      failing: this.failing,
      projections: this.active.map((p) => {
        const parked = this.failures.parkedParts(p.name);
        const backlog = this.backlogs.get(p.name) ?? null;
        const waited = parked.reduce((oldest, part) => Math.max(oldest, (now - part.parkedAt.getTime()) / 1000), 0);
        return {
          name: p.name,
          checkpoint: this.checkpoints.get(p.name) ?? START,
          backlog,
          lagSeconds: Math.max(backlog?.seconds ?? 0, waited),
          stall: this.failures.stallOf(p.name),
          parked,
        };
      }),
    };
  }

  private async loop(): Promise<void> {
    const pollMs = this.options.pollMs ?? 1000;
    const measure = this.options.untilCaughtUp ? null : setInterval(() => void this.measureLag(), this.options.lagIntervalMs ?? 1000);
    try {
      await this.consumer.run(async () => {
        this.session ??= await LockSession.open(this.options.pool);
        await this.acquire();
        this.failing = null;
        if (this.active.length === 0) {
          await this.consumer.pause(pollMs);
          return false;
        }
        if (this.isolating) await this.resumeDue();
        this.following = this.failures.following(this.active);
        if (this.following.length === 0) {
          await this.consumer.pause(Math.min(pollMs, this.failures.nextRetryIn()));
          return false;
        }
        const caughtUp = await this.follow();
        return caughtUp && this.options.untilCaughtUp === true;
      });
    } finally {
      if (measure) clearInterval(measure);
      if (!this.options.session) this.dropSession();
    }
  }

  /** A failed turn: reported, its locks let go (they are taken again on the next), retried from the stored checkpoints. */
  private failed(error: unknown, retryInMs: number): void {
    // A rebuild stops on its first failure.
    if (this.options.session) throw error;
    this.failingSince ??= new Date();
    this.failing = { since: this.failingSince, error: messageOf(error) };
    for (const p of this.active) this.options.metrics?.errors.inc({ projection: p.name });
    this.options.logger.error(`Projection batch failed, retrying in ${retryInMs} ms: ${(error as Error).stack ?? String(error)}`);
    this.dropSession();
  }

  private dropSession(): void {
    this.session?.close();
    this.session = null;
    for (const p of this.active) this.options.metrics?.lockHeld.set({ projection: p.name }, 0);
    this.active = [];
  }

  private async acquire(): Promise<void> {
    const session = this.session!;
    const paused = await this.pausedForSwap();
    for (const p of this.options.projections) {
      const name = this.lockName(p);
      if (paused.has(p.name)) await session.unlock(name);
      else if (!session.holds(name)) await session.tryLock(name);
    }
    const before = new Set(this.active.map((p) => p.name));
    this.active = this.options.projections.filter((p) => session.holds(this.lockName(p)));
    for (const p of this.options.projections) this.options.metrics?.lockHeld.set({ projection: p.name }, session.holds(this.lockName(p)) ? 1 : 0);
    const taken = this.active.filter((p) => !before.has(p.name)).map((p) => p.name);
    if (taken.length > 0) this.options.logger.log(`Writing ${taken.join(', ')} (${this.target} tables)`);
    const names = this.active.map((p) => p.name);
    await ensureCheckpoints(session.client, this.active.map((p) => ({ name: p.name, version: p.version })), this.checkpointTable);
    const stored = await loadCheckpoints(session.client, names, this.checkpointTable);
    this.checkpoints.clear();
    for (const p of this.active) {
      const checkpoint = stored.get(p.name)!;
      this.checkpoints.set(p.name, checkpoint.position);
      if (checkpoint.version < p.version) {
        this.options.logger.warn(`Projection ${p.name} was built by version ${checkpoint.version}; this is ${p.version}: run \`relance projections rebuild ${p.name}\``);
      }
    }
    // What is parked or stopped is stored: a runner taking a projection over picks it up as it was.
    if (this.isolating) await this.failures.load(session.client, names);
  }

  /** Follows the log until told to restart or stop; true when it stopped caught up. */
  private async follow(): Promise<boolean> {
    const from = this.following.map((p) => this.checkpoints.get(p.name)!).reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
    if (this.options.untilCaughtUp && comparePositions(await this.options.store.headPosition(), from) <= 0) return true;
    const subscription = this.options.store.subscribe({ after: from, batchSize: this.options.batchSize ?? 2000 });
    this.subscription = subscription;
    this.reprepare = false;
    const control = this.options.untilCaughtUp ? null : setInterval(() => void this.control(), this.options.pollMs ?? 1000);
    try {
      // The SQL of batch N runs in PostgreSQL while batch N+1 is turned into SQL here (and the
      // subscription already reads the batch after). Checkpoints move in memory as soon as a batch is
      // prepared; if its commit fails, the loop starts again from the stored ones.
      let committing: Promise<void> | null = null;
      try {
        for await (const batch of subscription) {
          const prepared = await this.prepare(batch);
          await committing;
          // Batch N was applied in pieces (something in it was parked or stopped): N+1 was prepared
          // without knowing, and is prepared again from the stored checkpoints.
          if (this.reprepare) break;
          committing = this.commit(batch, prepared);
          // Awaited before the next commit or on the way out; marked handled so that a failure
          // while the next batch is being prepared is not reported as unhandled.
          committing.catch(() => undefined);
          if (this.options.untilCaughtUp && batch.caughtUp) {
            await committing;
            return true;
          }
          if (this.restart || this.consumer.stopped) break;
        }
      } finally {
        await committing;
      }
      return false;
    } finally {
      if (control) clearInterval(control);
      this.restart = false;
      this.subscription = null;
      await subscription.close();
      this.releaseWriters();
    }
  }

  private async prepare(batch: SubscriptionBatch): Promise<PreparedBatch> {
    const prepared = await prepareBatch({
      batch,
      projections: this.following.map((p) => ({
        projection: p,
        checkpointName: p.name,
        checkpoint: this.checkpoints.get(p.name)!,
        parked: this.failures.parkedMerchants(p.name),
      })),
      profiles: this.options.profiles,
      contexts: this.contexts,
    });
    for (const { projection } of prepared.applied) this.checkpoints.set(projection.name, batch.checkpoint);
    return prepared;
  }

  private async commit(batch: SubscriptionBatch, prepared: PreparedBatch): Promise<void> {
    const started = performance.now();
    try {
      const groups = splitParts(prepared.parts, this.options.writeConnections ?? 1);
      if (groups.length <= 1) {
        await commitBatch(this.session!.client, prepared, this.checkpointTable);
      } else {
        while (this.writers.length < groups.length - 1) this.writers.push(await this.options.pool.connect());
        const clients = [this.session!.client, ...this.writers];
        // Every group settles before the batch fails: no transaction is left running on a connection.
        const results = await Promise.allSettled(groups.map((parts, i) => commitParts(clients[i]!, parts, this.checkpointTable)));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) {
          // A connection that failed mid-batch is not handed back to the pool.
          this.releaseWriters(true);
          throw failed.reason;
        }
      }
    } catch (error) {
      if (!this.isolating || failureScope(error) === 'transient') throw error;
      this.options.logger.warn(`Batch up to ${formatPosition(batch.checkpoint)} failed (${messageOf(error)}): applying it projection by projection, merchant by merchant`);
      await this.applyInPieces(batch, prepared, started);
      this.reprepare = true;
      return;
    }
    await this.committed(batch, prepared.applied, started);
  }

  /** After a commit: progress, metrics, and the end of a failure it proves over. */
  private async committed(batch: SubscriptionBatch, applied: PreparedBatch['applied'], started: number): Promise<void> {
    this.failing = null;
    this.failingSince = null;
    const last = batch.events[batch.events.length - 1];
    if (last) this.lastSeen = last.position;
    this.options.metrics?.recordBatch(applied, (performance.now() - started) / 1000, this.lastSeen);
    const recovered = await this.failures.recovered(applied.map((a) => a.projection.name), batch.checkpoint);
    if (recovered.length > 0) this.reportState();
  }

  /**
   * A batch that failed as a whole, applied in one transaction projection by projection (a savepoint
   * each), merchant by merchant for a projection that fails, the merchants that fail parked in the same
   * transaction as the checkpoint that moves past their events.
   */
  private async applyInPieces(batch: SubscriptionBatch, prepared: PreparedBatch, started: number): Promise<void> {
    const client = this.session!.client;
    const stalled: { projection: Projection; from: LogPosition; error: unknown }[] = [];
    const parks: { projection: Projection; park: NewPark }[] = [];
    const moves: CheckpointMove[] = [];
    const applied: PreparedBatch['applied'][number][] = [];
    const firstRetry = retryAt(1, this.options.retry ?? DEFAULT_RETRY);
    await client.query('BEGIN');
    try {
      for (const part of prepared.parts) {
        const outcome = await applyPartIsolated(client, part, prepared.context);
        if (outcome.kind === 'stalled') {
          stalled.push({ projection: part.projection, from: part.move.from, error: outcome.error });
          continue;
        }
        // A parked merchant's events after its park position wait: not counted as processed yet.
        const waiting = part.events.filter((e) => outcome.parks.some((p) => p.merchantId === merchantOf(e) && comparePositions(e.position, p.position) > 0)).length;
        moves.push({ ...part.move, events: part.move.events - waiting });
        applied.push({ projection: part.projection, events: part.move.events - waiting });
        for (const p of outcome.parks) {
          await client.query(park(part.projection.name, p.merchantId, p.position, p.event, p.error, firstRetry));
          parks.push({ projection: part.projection, park: p });
        }
      }
      if (moves.length > 0) {
        const move = moveCheckpoints(moves, this.checkpointTable);
        const { rows } = await client.query<{ moved: number }>(`WITH moved AS (${move.text}) SELECT count(*)::int AS moved FROM moved`, move.values);
        if (rows[0]!.moved !== moves.length) throw new ConcurrentWriterError(`Checkpoints moved by another writer (${moves.map((m) => m.name).join(', ')}): batch rolled back`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    for (const s of stalled) {
      this.checkpoints.set(s.projection.name, s.from);
      await this.failures.stall(s.projection, s.from, s.error);
    }
    this.failures.parkedNow(parks, firstRetry);
    await this.committed(batch, applied, started);
    this.reportState();
  }

  /** Parked parts whose retry is due: their events applied again from where they stopped. */
  private async resumeDue(): Promise<void> {
    for (const { projection, part } of this.failures.dueParts(this.active)) {
      if (this.consumer.stopped) return;
      const outcome = await resumeParked({
        client: this.session!.client,
        store: this.options.store,
        projection,
        part,
        checkpoint: this.checkpoints.get(projection.name)!,
        profiles: this.options.profiles,
        contexts: this.contexts,
        batchSize: this.options.batchSize ?? 2000,
      });
      await this.failures.resumed(projection, part, outcome);
      if (outcome.kind === 'caught-up') this.reportState();
    }
  }

  private releaseWriters(destroy = false): void {
    for (const client of this.writers.splice(0)) client.release(destroy);
  }

  /** Between batches: hand over what a swap asks for, take over what nobody holds, retry what is due. */
  private async control(): Promise<void> {
    if (!this.session || this.restart) return;
    try {
      const paused = await this.pausedForSwap();
      const unheld = this.options.projections.filter((p) => !this.session?.holds(this.lockName(p)) && !paused.has(p.name));
      const taken = await heldLocks(this.options.pool, this.session.schema, unheld.map((p) => this.lockName(p)));
      const free = unheld.some((p) => !taken.has(this.lockName(p)));
      if (this.active.some((p) => paused.has(p.name)) || free || (this.isolating && this.failures.retryDue(this.active))) {
        this.restart = true;
        await this.subscription?.close();
      }
    } catch (error) {
      this.options.logger.warn(`Projector control check failed: ${messageOf(error)}`);
    }
  }

  private async pausedForSwap(): Promise<Set<string>> {
    if (this.target !== 'live' || !this.session) return new Set();
    return swapRequests(this.options.pool, this.session.schema, this.options.projections.map((p) => p.name));
  }

  /** How far behind the log's head each projection is (events, and the age of the oldest not applied). */
  private async measureLag(): Promise<void> {
    if (this.measuring || this.active.length === 0) return;
    this.measuring = true;
    try {
      const byPosition = new Map<string, Promise<Backlog>>();
      for (const p of this.active) {
        const checkpoint = this.checkpoints.get(p.name);
        if (!checkpoint) continue;
        const key = formatPosition(checkpoint);
        if (!byPosition.has(key)) byPosition.set(key, this.options.store.backlog(checkpoint));
        this.backlogs.set(p.name, await byPosition.get(key)!);
      }
      this.reportState();
    } catch (error) {
      if (!this.options.pool.ending) this.options.logger.warn(`Could not measure the projections' lag: ${messageOf(error)}`);
    } finally {
      this.measuring = false;
    }
  }

  private reportState(): void {
    this.options.metrics?.recordProgress(this.status().projections);
  }
}
