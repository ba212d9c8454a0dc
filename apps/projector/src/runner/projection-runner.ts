import { comparePositions, START, type EventStore, type LogPosition, type Subscription, type SubscriptionBatch } from '@relance/event-store';
import type pg from 'pg';
import type { Projection } from '../projection.js';
import { ensureCheckpoints, loadCheckpoints, type CheckpointTable } from './checkpoints.js';
import { heldLocks, liveLockName, LockSession, nextLockName, swapRequests } from './locks.js';
import { commitBatch, commitParts, prepareBatch, splitParts, type PreparedBatch } from './apply-batch.js';
import { sleep } from './sleep.js';
import type { ProfileOpener } from './profile-opener.js';
import { ContextFactory, type TimeZones } from './projection-context.js';
import type { ProjectorMetrics } from './projector-metrics.js';

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
  /** How often a waiting runner tries the locks it does not hold, and checks for swap requests. */
  readonly pollMs?: number;
  /** A session whose locks the caller manages (a rebuild); the runner then does not close it. */
  readonly session?: LockSession;
  /**
   * Connections a batch is committed on at once, its projections split between them (a rebuild, where
   * PostgreSQL applying the batches is what the runner waits for). Default 1.
   */
  readonly writeConnections?: number;
}

/**
 * Runs projections from their checkpoints: one catch-up subscription from the lowest checkpoint,
 * each batch applied to every projection whose checkpoint it passes, in one transaction with the
 * checkpoints. Writes only the projections whose advisory lock it holds; waits for the others and
 * takes them over when their holder dies or hands them over (blue/green swap).
 */
export class ProjectionRunner {
  private readonly checkpoints = new Map<string, LogPosition>();
  private readonly contexts: ContextFactory;
  private active: Projection[] = [];
  private session: LockSession | null;
  private subscription: Subscription | null = null;
  private stopped = false;
  private restart = false;
  private running: Promise<void> | null = null;
  private lastSeen: LogPosition = START;
  /** Connections besides the lock session's, for writeConnections > 1; held while following the log. */
  private writers: pg.PoolClient[] = [];

  constructor(private readonly options: RunnerOptions) {
    this.session = options.session ?? null;
    this.contexts = new ContextFactory(this.target === 'live' ? '' : '_next', options.timeZones);
  }

  private get target() {
    return this.options.target ?? 'live';
  }

  private get checkpointTable(): CheckpointTable {
    return this.target === 'live' ? 'projection_checkpoints' : 'projection_rebuild_checkpoints';
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
    this.stopped = true;
    await this.subscription?.close();
    await this.running;
  }

  /** Names of the projections this runner writes right now. */
  writing(): string[] {
    return this.active.map((p) => p.name);
  }

  private async loop(): Promise<void> {
    const pollMs = this.options.pollMs ?? 1000;
    let backoff = pollMs;
    try {
      while (!this.stopped) {
        try {
          this.session ??= await LockSession.open(this.options.pool);
          await this.acquire();
          if (this.active.length === 0) {
            await sleep(pollMs);
            continue;
          }
          const caughtUp = await this.follow();
          if (caughtUp && this.options.untilCaughtUp) return;
          backoff = pollMs;
        } catch (error) {
          if (this.options.session) throw error;
          for (const p of this.active) this.options.metrics?.errors.inc({ projection: p.name });
          this.options.logger.error(`Projection batch failed, retrying in ${backoff} ms: ${(error as Error).stack ?? String(error)}`);
          this.dropSession();
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 30_000);
        }
      }
    } finally {
      if (!this.options.session) this.dropSession();
    }
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
    await ensureCheckpoints(session.client, this.active.map((p) => ({ name: p.name, version: p.version })), this.checkpointTable);
    const stored = await loadCheckpoints(session.client, this.active.map((p) => p.name), this.checkpointTable);
    this.checkpoints.clear();
    for (const p of this.active) {
      const checkpoint = stored.get(p.name)!;
      this.checkpoints.set(p.name, checkpoint.position);
      if (checkpoint.version < p.version) {
        this.options.logger.warn(`Projection ${p.name} was built by version ${checkpoint.version}; this is ${p.version}: run \`relance projections rebuild ${p.name}\``);
      }
    }
  }

  /** Follows the log until told to restart or stop; true when it stopped caught up. */
  private async follow(): Promise<boolean> {
    const from = this.active.map((p) => this.checkpoints.get(p.name)!).reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
    if (this.options.untilCaughtUp && comparePositions(await this.options.store.headPosition(), from) <= 0) return true;
    const subscription = this.options.store.subscribe({ after: from, batchSize: this.options.batchSize ?? 2000 });
    this.subscription = subscription;
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
          committing = this.commit(batch, prepared);
          // Awaited before the next commit or on the way out; marked handled so that a failure
          // while the next batch is being prepared is not reported as unhandled.
          committing.catch(() => undefined);
          if (this.options.untilCaughtUp && batch.caughtUp) {
            await committing;
            return true;
          }
          if (this.restart || this.stopped) break;
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
      projections: this.active.map((p) => ({ projection: p, checkpointName: p.name, checkpoint: this.checkpoints.get(p.name)! })),
      profiles: this.options.profiles,
      contexts: this.contexts,
    });
    for (const { projection } of prepared.applied) this.checkpoints.set(projection.name, batch.checkpoint);
    return prepared;
  }

  private async commit(batch: SubscriptionBatch, prepared: PreparedBatch): Promise<void> {
    const started = performance.now();
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
    const last = batch.events[batch.events.length - 1];
    if (last) this.lastSeen = last.position;
    this.options.metrics?.recordBatch(prepared.applied, batch, (performance.now() - started) / 1000, this.lastSeen);
  }

  private releaseWriters(destroy = false): void {
    for (const client of this.writers.splice(0)) client.release(destroy);
  }

  /** Between batches: hand over what a swap asks for, take over what nobody holds. */
  private async control(): Promise<void> {
    if (!this.session || this.restart) return;
    try {
      const paused = await this.pausedForSwap();
      const unheld = this.options.projections.filter((p) => !this.session?.holds(this.lockName(p)) && !paused.has(p.name));
      const taken = await heldLocks(this.options.pool, this.session.schema, unheld.map((p) => this.lockName(p)));
      const free = unheld.some((p) => !taken.has(this.lockName(p)));
      if (this.active.some((p) => paused.has(p.name)) || free) {
        this.restart = true;
        await this.subscription?.close();
      }
      await this.reportLagEvents();
    } catch (error) {
      this.options.logger.warn(`Projector control check failed: ${(error as Error).message}`);
    }
  }

  private async pausedForSwap(): Promise<Set<string>> {
    if (this.target !== 'live' || !this.session) return new Set();
    return swapRequests(this.options.pool, this.session.schema, this.options.projections.map((p) => p.name));
  }

  private async reportLagEvents(): Promise<void> {
    if (this.options.store.kind !== 'postgres' || this.active.length === 0 || !this.options.metrics) return;
    const head = await this.options.store.headPosition();
    this.options.metrics.recordLag(this.active.map((p) => ({ name: p.name, checkpoint: this.checkpoints.get(p.name)! })), head, this.lastSeen);
  }
}
