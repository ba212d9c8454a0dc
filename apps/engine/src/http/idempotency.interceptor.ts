import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { canonicalJson } from '@relance/domain';
import type { FastifyRequest } from 'fastify';
import { from, lastValueFrom, map, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/api-key.guard.js';
import { RequestRejected } from '../write-path/application-errors.js';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { IdempotentExecutor } from '../write-path/idempotent-execution.js';
import { ReplayedResponse } from './replayed-response.js';
import { ROUTE_SPEC, type RouteSpec } from './route.js';

export interface EnvelopedRequest {
  envelope?: CommandEnvelope;
}

const KEY = /^[\x21-\x7e]{1,255}$/;
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Runs every authenticated route through the idempotent executor: the route gets its command
 * envelope, and a write sent with an Idempotency-Key runs once for that key and request, a retry
 * getting the stored response back with `Idempotent-Replayed: true` (the exception filter writes it).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(IdempotentExecutor) private readonly executor: IdempotentExecutor,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<RouteSpec | undefined>(ROUTE_SPEC, context.getHandler());
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest & EnvelopedRequest>();
    const principal = request.principal;
    if (!spec || !principal) return next.handle();
    const correlation = request.headers['x-correlation-id'];
    const key = spec.idempotency === 'key' ? request.headers['idempotency-key'] : undefined;
    if (key !== undefined && (typeof key !== 'string' || !KEY.test(key))) {
      throw new RequestRejected([{ path: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
    }
    const incoming = {
      merchantId: principal.merchantId,
      actor: `key:${principal.keyId}`,
      correlationId: typeof correlation === 'string' && CORRELATION_ID.test(correlation) ? correlation : request.id,
      causationId: request.id,
      ...(key === undefined ? {} : { key, fingerprint: `${request.method} ${request.url.split('?')[0]}\n${canonicalJson(request.body ?? null)}` }),
    };
    const executed = this.executor.execute(incoming, async (envelope) => {
      request.envelope = envelope;
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      return { status: spec.status, body, owner: spec.responseOwner?.(body) ?? null };
    });
    return from(executed).pipe(
      map((done) => {
        if (done.replayed) throw new ReplayedResponse(done.status, done.body);
        return done.body;
      }),
    );
  }
}
