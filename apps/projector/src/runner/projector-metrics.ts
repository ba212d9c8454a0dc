import { comparePositions, type LogPosition, type SubscriptionBatch } from '@relance/event-store';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Projection } from '../projection.js';

/** Lag and progress of each projection, on the projector's /metrics. */
export class ProjectorMetrics {
  readonly events: Counter<'projection'>;
  readonly batches: Histogram<'projection'>;
  readonly errors: Counter<'projection'>;
  readonly lagSeconds: Gauge<'projection'>;
  readonly lagEvents: Gauge<'projection'>;
  readonly checkpointPrepare: Gauge<'projection'>;
  readonly checkpointTime: Gauge<'projection'>;
  readonly lockHeld: Gauge<'projection'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.events = new Counter({ name: 'relance_projection_events_total', help: 'Events applied, by projection', labelNames: ['projection'], registers });
    this.batches = new Histogram({
      name: 'relance_projection_batch_seconds',
      help: 'Time to apply one batch (one transaction with its checkpoint)',
      labelNames: ['projection'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.errors = new Counter({ name: 'relance_projection_errors_total', help: 'Batches that failed and were retried', labelNames: ['projection'], registers });
    this.lagSeconds = new Gauge({
      name: 'relance_projection_lag_seconds',
      help: 'Age of the last event applied while catching up; 0 once caught up',
      labelNames: ['projection'],
      registers,
    });
    this.lagEvents = new Gauge({
      name: 'relance_projection_lag_events',
      help: 'Events in the log after the checkpoint (PostgreSQL store: from global positions)',
      labelNames: ['projection'],
      registers,
    });
    this.checkpointPrepare = new Gauge({ name: 'relance_projection_checkpoint_position', help: 'Global position of the checkpoint', labelNames: ['projection'], registers });
    this.checkpointTime = new Gauge({
      name: 'relance_projection_last_checkpoint_timestamp_seconds',
      help: 'When the checkpoint last moved (Unix time)',
      labelNames: ['projection'],
      registers,
    });
    this.lockHeld = new Gauge({ name: 'relance_projection_lock_held', help: '1 when this process is the writer of the projection', labelNames: ['projection'], registers });
  }

  recordBatch(applied: readonly { projection: Projection; events: number }[], batch: SubscriptionBatch, seconds: number, lastSeen: LogPosition): void {
    const last = batch.events[batch.events.length - 1];
    // Caught up: no lag. Otherwise the age of the last event applied.
    const lag = batch.caughtUp || !last ? 0 : Math.max(0, (Date.now() - Date.parse(last.metadata.recordedAt)) / 1000);
    for (const { projection, events } of applied) {
      const labels = { projection: projection.name };
      this.events.inc(labels, events);
      this.batches.observe(labels, seconds);
      this.checkpointPrepare.set(labels, Number(lastSeen.prepare));
      this.checkpointTime.set(labels, Date.now() / 1000);
      this.lagSeconds.set(labels, lag);
    }
  }

  /** Events behind the head, from global positions (PostgreSQL: a sequence, so their difference counts them). */
  recordLag(projections: readonly { name: string; checkpoint: LogPosition }[], head: LogPosition, lastSeen: LogPosition): void {
    for (const p of projections) {
      const behind = comparePositions(head, p.checkpoint) <= 0 ? 0 : Number(head.prepare - (lastSeen.prepare > 0n ? lastSeen.prepare : 0n));
      this.lagEvents.set({ projection: p.name }, Math.max(0, behind));
    }
  }
}
