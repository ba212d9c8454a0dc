import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { canonicalJson, DomainError } from '@relance/domain';
import type { FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, switchMap, type Observable } from 'rxjs';
import { v7 as uuidv7 } from 'uuid';
import type { AuthenticatedRequest } from '../auth/api-key.guard.js';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { ApiError, RequestRejected } from '../write-path/application-errors.js';
import { renderError } from '../write-path/error-rendering.js';
import { ReplayedResponse } from './replayed-response.js';
import { ROUTE_SPEC, type RouteSpec } from './route.js';
import { IdempotencyRepository } from '../write-path/idempotency.repository.js';

export interface EnvelopedRequest {
  envelope?: CommandEnvelope;
}

const KEY = /^[\x21-\x7e]{1,255}$/;
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Gives every authenticated request its command envelope and, for writes sent with an Idempotency-Key,
 * makes them idempotent: the first request claims the key (with a seed for its event ids), the
 * response is stored, and a retry with the same key and request gets it back with
 * `Idempotent-Replayed: true` while nothing runs again. The same key on another request is a 409; a
 * request still running is a 409 with Retry-After; a claim left by a dead process is taken over when
 * its lease ends, with the same seed (so its events, if they were appended, are found, not doubled).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(IdempotencyRepository) private readonly records: IdempotencyRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<RouteSpec | undefined>(ROUTE_SPEC, context.getHandler());
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest & EnvelopedRequest>();
    const principal = request.principal;
    if (!spec || !principal) return next.handle();
    const header = request.headers['x-correlation-id'];
    const base = {
      merchantId: principal.merchantId,
      actor: `key:${principal.keyId}`,
      correlationId: typeof header === 'string' && CORRELATION_ID.test(header) ? header : request.id,
      causationId: request.id,
    };
    const key = request.headers['idempotency-key'];
    if (spec.idempotency !== 'key' || key === undefined) {
      request.envelope = { ...base, seed: uuidv7(), resumed: false };
      return next.handle();
    }
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new RequestRejected([{ path: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
    }
    const path = request.url.split('?')[0];
    const merchantId = principal.merchantId;

    return from(this.records.claim(merchantId, key, `${request.method} ${path}\n${canonicalJson(request.body ?? null)}`)).pipe(
      switchMap((claim) => {
        switch (claim.kind) {
          case 'replay':
            throw new ReplayedResponse(claim.status, claim.body);
          case 'mismatch':
            throw new ApiError(409, 'idempotency-key-reused', 'This Idempotency-Key was already used for a different request');
          case 'in-progress':
            throw new ApiError(409, 'request-in-progress', 'A request with this Idempotency-Key is still being processed', {}, {
              'retry-after': String(claim.retryAfterSeconds),
            });
          case 'erased':
            // The first answer carried the profile of a customer erased since: it went with their key.
            throw new DomainError('customer-erased', `Customer ${claim.customerId} was erased`, { customerId: claim.customerId });
          case 'claimed':
            break;
        }
        request.envelope = { ...base, seed: claim.seed, resumed: claim.attempt > 1 };
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            await this.records.complete(merchantId, key, claim.attempt, spec.status, JSON.stringify(body), spec.responseOwner?.(body) ?? null);
            return body;
          }),
          catchError(async (error: unknown) => {
            const rendered = renderError(error);
            if (rendered.deterministic) await this.records.complete(merchantId, key, claim.attempt, rendered.status, JSON.stringify(rendered.body));
            else await this.records.release(merchantId, key, claim.attempt).catch(() => undefined);
            throw error;
          }),
        );
      }),
    );
  }
}
