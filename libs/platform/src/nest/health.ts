import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { METRICS } from './tokens.js';

/** One dependency the process needs to do its work. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<void>;
}

export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

export interface HealthReport {
  readonly status: 'ok' | 'failing';
  readonly checks: Record<string, { status: 'ok' | 'failing'; ms: number; error?: string }>;
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
        return [c.name, { status: 'failing' as const, ms: Math.round(performance.now() - started), error: message }] as const;
      }
    }),
  );
  const failing = results.some(([, r]) => r.status === 'failing');
  return { status: failing ? 'failing' : 'ok', checks: Object.fromEntries(results) };
}

@Controller()
export class HealthController {
  constructor(
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
    @Inject(METRICS) private readonly registry: Registry,
  ) {}

  /** 200 when every dependency answers, 503 with the failing ones otherwise (for load balancers). */
  @Get('health')
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await runHealthChecks(this.checks);
    if (report.status !== 'ok') void reply.status(503);
    return report;
  }

  /** Prometheus text exposition format. */
  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
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
