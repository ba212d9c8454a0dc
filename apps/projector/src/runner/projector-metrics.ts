import type { LogPosition } from '@relance/event-store';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Projection } from '../projection.js';
import type { ProjectionProgress } from './projection-runner.js';

/** Lag and progress of each projection, on the projector's /metrics. */
export class ProjectorMetrics {
  readonly events: Counter<'projection'>;
  readonly batches: Histogram<'projection'>;
  readonly errors: Counter<'projection'>;
  readonly failures: Counter<'projection' | 'scope'>;
  readonly lagSeconds: Gauge<'projection'>;
  readonly lagEvents: Gauge<'projection'>;
  readonly parkedMerchants: Gauge<'projection'>;
  readonly stalled: Gauge<'projection'>;
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
    this.errors = new Counter({ name: 'relance_projection_errors_total', help: 'Batches that failed as a whole and were retried', labelNames: ['projection'], registers });
    this.failures = new Counter({
      name: 'relance_projection_failures_total',
      help: 'Events a projection could not apply: scope "event" parks that merchant, scope "projection" stops the projection',
      labelNames: ['projection', 'scope'],
      registers,
    });
    this.lagSeconds = new Gauge({
      name: 'relance_projection_lag_seconds',
      help: "Age of the oldest event not applied yet (the log's head counts, held back or not; a parked merchant's wait counts)",
      labelNames: ['projection'],
      registers,
    });
    this.lagEvents = new Gauge({
      name: 'relance_projection_lag_events',
      help: "Committed events after the checkpoint, up to the log's head (counted up to 100,000)",
      labelNames: ['projection'],
      registers,
    });
    this.parkedMerchants = new Gauge({
      name: 'relance_projection_parked_merchants',
      help: 'Merchants whose part of the projection waits at an event it cannot apply',
      labelNames: ['projection'],
      registers,
    });
    this.stalled = new Gauge({ name: 'relance_projection_stalled', help: '1 while the projection is stopped as a whole at its checkpoint', labelNames: ['projection'], registers });
    this.checkpointPrepare = new Gauge({ name: 'relance_projection_checkpoint_position', help: 'Global position of the checkpoint', labelNames: ['projection'], registers });
    this.checkpointTime = new Gauge({
      name: 'relance_projection_last_checkpoint_timestamp_seconds',
      help: 'When the checkpoint last moved (Unix time)',
      labelNames: ['projection'],
      registers,
    });
    this.lockHeld = new Gauge({ name: 'relance_projection_lock_held', help: '1 when this process is the writer of the projection', labelNames: ['projection'], registers });
  }

  recordBatch(applied: readonly { projection: Projection; events: number }[], seconds: number, lastSeen: LogPosition): void {
    for (const { projection, events } of applied) {
      const labels = { projection: projection.name };
      this.events.inc(labels, events);
      this.batches.observe(labels, seconds);
      this.checkpointPrepare.set(labels, Number(lastSeen.prepare));
      this.checkpointTime.set(labels, Date.now() / 1000);
    }
  }

  recordProgress(projections: readonly ProjectionProgress[]): void {
    for (const p of projections) {
      const labels = { projection: p.name };
      if (p.backlog) this.lagEvents.set(labels, p.backlog.events);
      this.lagSeconds.set(labels, p.lagSeconds);
      this.parkedMerchants.set(labels, p.parked.length);
      this.stalled.set(labels, p.stall ? 1 : 0);
    }
  }
}
