import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../config.js';
import { bearerToken, isLocalRequest, tokenMatches } from './operator-access.js';
import { CONFIG, METRICS } from './tokens.js';

/**
 * One thing the process needs to do its work. A `dependency` (PostgreSQL, Redis, the event store)
 * that fails makes the process `failing`; `progress` (background work: projections, subscriptions)
 * that falls behind or stops makes it `degraded`. `check` throws with the reason.
 */
export interface HealthCheck {
  readonly name: string;
  readonly kind?: 'dependency' | 'progress';
  check(): Promise<void>;
}

/**
 * The process's checks: the core ones, then those an app adds at bootstrap for its background work
 * (the controller reads the list on every request).
 */
export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

export type HealthStatus = 'ok' | 'degraded' | 'failing';

export interface HealthReport {
  readonly status: HealthStatus;
  readonly checks: Record<string, { status: HealthStatus; ms: number; error?: string }>;
}

export async function runHealthChecks(checks: readonly HealthCheck[], timeoutMs = 2000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      const started = performance.now();
      try {
        await withTimeout(c.check(), timeoutMs, `${c.name} did not answer within ${timeoutMs} ms`);
        return [c.name, { status: 'ok' as const, ms: Math.round(performance.now() - started) }] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const status = c.kind === 'progress' ? ('degraded' as const) : ('failing' as const);
        return [c.name, { status, ms: Math.round(performance.now() - started), error: message }] as const;
      }
    }),
  );
  const status = results.some(([, r]) => r.status === 'failing') ? 'failing' : results.some(([, r]) => r.status === 'degraded') ? 'degraded' : 'ok';
  return { status, checks: Object.fromEntries(results) };
}

@Controller()
export class HealthController {
  constructor(
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
    @Inject(METRICS) private readonly registry: Registry,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * 200 when every dependency answers and the background work keeps up; 503 otherwise, the body
   * saying which check is `failing` (a dependency is down) or `degraded` (work stopped or behind), and why.
   */
  @Get('health')
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await runHealthChecks(this.checks);
    if (report.status !== 'ok') void reply.status(503);
    return report;
  }

  /**
   * Prometheus text exposition format, for requests made on this host, and for others with
   * `Authorization: Bearer <METRICS_TOKEN>` (refused to them all when no token is configured).
   */
  @Get('metrics')
  async metrics(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!isLocalRequest(request.raw.socket.remoteAddress, request.headers)) {
      const token = this.config.metricsToken;
      if (token === undefined) {
        await reply.status(403).send({ error: 'metrics-local-only', message: '/metrics answers this host only; set METRICS_TOKEN to scrape it from elsewhere', fields: [] });
        return;
      }
      if (!tokenMatches(bearerToken(request.headers), token)) {
        await reply
          .status(401)
          .header('www-authenticate', 'Bearer realm="relance-metrics"')
          .send({ error: 'unauthenticated', message: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>', fields: [] });
        return;
      }
    }
    const body = await this.registry.metrics();
    await reply.header('content-type', this.registry.contentType).send(body);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
