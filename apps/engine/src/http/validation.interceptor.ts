import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { RequestRejected } from '../write-path/application-errors.js';
import { ROUTE_SPEC, type RequestState, type RouteSpec } from './route.js';
import { parseWith } from '../write-path/zod-problems.js';

/**
 * Parses the route's params and body with its strict schemas before anything else runs (before the
 * idempotency claim), so a malformed request is refused with every field named and leaves no trace.
 */
@Injectable()
export class ValidationInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<RouteSpec | undefined>(ROUTE_SPEC, context.getHandler());
    if (spec) {
      const request = context.switchToHttp().getRequest<FastifyRequest & RequestState>();
      const params = spec.params ? parseWith(spec.params, request.params) : { ok: true as const, value: {} };
      const body = spec.body ? parseWith(spec.body, request.body) : { ok: true as const, value: undefined };
      const problems = [...(params.ok ? [] : params.problems), ...(body.ok ? [] : body.problems)];
      if (problems.length > 0) throw new RequestRejected(problems);
      request.relanceInput = { params: params.ok ? params.value : {}, body: body.ok ? body.value : undefined };
    }
    return next.handle();
  }
}
