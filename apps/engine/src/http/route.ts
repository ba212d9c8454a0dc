import { applyDecorators, createParamDecorator, Get, HttpCode, Patch, Post, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { z } from 'zod';
import type { Permission } from '../auth/permissions.js';

/**
 * Everything about one HTTP route in one place: Nest's routing, the permission the guard checks, the
 * schemas the validation interceptor applies, and the OpenAPI document, which is built from these
 * same specs (so it cannot drift from what the API accepts).
 */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** Fastify syntax: `/v1/customers/:customerId`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** `webhook`: no API key; the handler checks the platform's signature. */
  readonly permission: Permission | 'webhook';
  readonly status: number;
  readonly params?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly response: z.ZodType;
  /** Error statuses worth documenting beyond 400/401/403/413. */
  readonly errors?: readonly number[];
  /** Writes take an Idempotency-Key; webhooks are idempotent by the platform's order id instead. */
  readonly idempotency: 'key' | 'none';
  /**
   * The customer whose personal data a successful response carries: the copy kept for Idempotency-Key
   * retries is sealed with that customer's key, and goes when the key is destroyed.
   */
  readonly responseOwner?: (body: unknown) => string;
}

export const ROUTE_SPEC = Symbol('relance:route');
export const ROUTES: RouteSpec[] = [];

const METHODS = { GET: Get, POST: Post, PATCH: Patch } as const;

export function Route(spec: RouteSpec): MethodDecorator {
  ROUTES.push(spec);
  return applyDecorators(METHODS[spec.method](spec.path), HttpCode(spec.status), SetMetadata(ROUTE_SPEC, spec));
}

/** The validated input of a request (set by the validation interceptor). */
export interface ValidatedInput<P = unknown, B = unknown> {
  readonly params: P;
  readonly body: B;
}

export interface RequestState {
  relanceInput?: ValidatedInput;
}

/** The parsed params and body of the route's schemas. */
export const Input = createParamDecorator((_: unknown, context: ExecutionContext) => {
  return context.switchToHttp().getRequest<RequestState>().relanceInput;
});
