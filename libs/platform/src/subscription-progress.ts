import { formatPosition, type Backlog, type EventFilter, type EventStore, type LogPosition } from '@relance/event-store';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HealthCheck } from './nest/health.js';

/**
 * Where one of a process's own subscriptions stands (a durable reaction to events, such as the engine's
 * merge completion): its position, its lag behind the log's head (measured on a timer: events, and the
 * age of the oldest not handled), whether it fails. Exposed on /metrics and as a /health check that
 * turns degraded when it fails or lags by more than `lagAlertSeconds`.
 */
export class SubscriptionProgress {
  private position: LogPosition | null = null;
  private backlog: Backlog | null = null;
  private failure: { since: Date; error: string; attempts: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private measuring = false;
  private readonly lagEvents: Gauge<'subscription'>;
  private readonly lagSeconds: Gauge<'subscription'>;
  private readonly failures: Counter<'subscription'>;

  constructor(
    readonly name: string,
    private readonly store: EventStore,
    registry: Registry,
    private readonly filter: EventFilter | undefined,
    private readonly lagAlertSeconds: number,
  ) {
    this.lagEvents = metric(registry, 'relance_subscription_lag_events', () =>
      new Gauge({ name: 'relance_subscription_lag_events', help: "Events the subscription has not handled, up to the log's head", labelNames: ['subscription'], registers: [registry] }),
    );
    this.lagSeconds = metric(registry, 'relance_subscription_lag_seconds', () =>
      new Gauge({ name: 'relance_subscription_lag_seconds', help: 'Age of the oldest event the subscription has not handled', labelNames: ['subscription'], registers: [registry] }),
    );
    this.failures = metric(registry, 'relance_subscription_failures_total', () =>
      new Counter({ name: 'relance_subscription_failures_total', help: 'Times the subscription stopped on an error and resumed from its checkpoint', labelNames: ['subscription'], registers: [registry] }),
    );
  }

  /** Measures the lag every `intervalMs` from now on. */
  start(intervalMs: number): void {
    this.timer ??= setInterval(() => void this.measure(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Where the subscription (re)starts from: its stored checkpoint. A failure stands until it handles a batch. */
  startsAt(position: LogPosition): void {
    this.position = position;
  }

  /** The subscription handled everything up to here. */
  advanced(position: LogPosition): void {
    this.position = position;
    this.failure = null;
  }

  failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.failure = { since: this.failure?.since ?? new Date(), error: message, attempts: (this.failure?.attempts ?? 0) + 1 };
    this.failures.inc({ subscription: this.name });
  }

  async measure(): Promise<Backlog | null> {
    if (!this.position || this.measuring) return this.backlog;
    this.measuring = true;
    try {
      this.backlog = await this.store.backlog(this.position, this.filter);
      this.lagEvents.set({ subscription: this.name }, this.backlog.events);
      this.lagSeconds.set({ subscription: this.name }, this.backlog.seconds);
    } catch {
      // A failed measurement keeps the last one; the dependency checks report the database.
    } finally {
      this.measuring = false;
    }
    return this.backlog;
  }

  /** One line per problem: failing, or further behind than the alert. */
  problems(): string[] {
    const problems: string[] = [];
    if (this.failure) {
      problems.push(`stopped since ${this.failure.since.toISOString()} (${this.failure.attempts} attempts) at ${this.position ? formatPosition(this.position) : 'its checkpoint'}: ${this.failure.error}`);
    }
    if (this.backlog && this.backlog.seconds >= this.lagAlertSeconds) {
      problems.push(`${this.backlog.complete ? '' : 'at least '}${this.backlog.events} events, ${Math.round(this.backlog.seconds)} s behind the log's head`);
    }
    return problems;
  }

  healthCheck(): HealthCheck {
    return {
      name: this.name,
      kind: 'progress',
      check: async () => {
        const problems = this.problems();
        if (problems.length > 0) throw new Error(problems.join('; '));
      },
    };
  }
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
