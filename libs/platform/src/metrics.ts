import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process, with Node's default metrics and the HTTP request histogram. */
export function createMetricsRegistry(app: 'engine' | 'projector' | 'cli'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function httpMetrics(registry: Registry) {
  return {
    requests: new Histogram({
      name: 'relance_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'relance_http_rejected_total',
      help: 'Requests rejected before reaching a handler, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
