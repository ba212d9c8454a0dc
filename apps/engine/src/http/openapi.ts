import { z } from 'zod';
import { ROLE_PERMISSIONS, ROLES } from '../auth/permissions.js';
import { ROUTES, type RouteSpec } from './route.js';

const ErrorBodySchema = z.object({
  error: z.string().describe('a stable code: invalid-request, customer-not-found, insufficient-points…'),
  message: z.string(),
  fields: z.array(z.object({ path: z.string().describe('e.g. lines[0].quantity'), message: z.string() })),
  details: z.record(z.string(), z.unknown()).optional(),
});

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid request: every problem with its field path; nothing was written',
  401: 'Missing or invalid credentials (API key, or webhook signature)',
  403: 'The key’s role may not do this',
  404: 'Unknown customer or purchase (of this merchant)',
  409: 'Conflict: already recorded, duplicate identity, Idempotency-Key reused or still in progress (Retry-After)',
  410: 'The customer was erased',
  413: 'Body larger than HTTP_BODY_LIMIT_BYTES',
  422: 'Refused by a business rule (insufficient points, refund larger than the purchase, points beyond the limits, order in another currency than the merchant\'s…)',
  503: 'PostgreSQL is unreachable: retry after Retry-After seconds (with the same Idempotency-Key for a write)',
};

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function operation(spec: RouteSpec): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = Object.entries(spec.params?.shape ?? {}).map(([name, schema]) => ({
    name,
    in: 'path',
    required: true,
    schema: jsonSchema(schema as z.ZodType, 'input'),
  }));
  if (spec.idempotency === 'key') {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Any unique string (a UUID): a retry with the same key and body gets the first response back with `Idempotent-Replayed: true`; the same key with another body is a 409.',
      schema: { type: 'string', maxLength: 255 },
    });
  }
  if (spec.permission !== 'webhook') {
    parameters.push({ name: 'X-Correlation-Id', in: 'header', required: false, description: 'Recorded on every event the request causes', schema: { type: 'string', maxLength: 100 } });
  } else {
    const header = spec.path.includes('shopify') ? 'X-Shopify-Hmac-Sha256' : 'X-WC-Webhook-Signature';
    parameters.push({ name: header, in: 'header', required: true, description: 'base64 HMAC-SHA256 of the raw body with the merchant’s secret', schema: { type: 'string' } });
  }
  const errors = [...new Set([400, ...(spec.permission === 'webhook' ? [] : [401, 403]), ...(spec.body ? [413] : []), ...(spec.errors ?? []), 503])].sort();
  const roles = spec.permission === 'webhook' ? null : ROLES.filter((role) => ROLE_PERMISSIONS[role].includes(spec.permission as never));
  return {
    tags: [spec.tag],
    summary: spec.summary,
    description: [spec.description, roles ? `Permission \`${spec.permission}\`: roles ${roles.join(', ')}.` : null].filter(Boolean).join('\n\n'),
    operationId: `${spec.method.toLowerCase()}${spec.path.replace(/[/:]+(\w)/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`,
    security: spec.permission === 'webhook' ? [] : [{ apiKey: [] }],
    parameters,
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } } : {}),
    responses: {
      [spec.status]: { description: 'OK', content: { 'application/json': { schema: jsonSchema(spec.response, 'output') } } },
      ...Object.fromEntries(
        errors.map((status) => [status, { description: STANDARD_ERRORS[status] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
      ),
    },
  };
}

/** The OpenAPI 3.1 document of every route declared with @Route, from the same zod schemas that validate them. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of ROUTES) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation(spec) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Relance engine API',
      version,
      description:
        'Write side of Relance: customers, consents, purchases, refunds, visits and rewards. Every request is scoped to the merchant of its API key. Money is in integer minor units of the merchant\'s currency (cents for EUR), at most 1,000,000,000 per amount (a line total and a purchase total included); instants are ISO-8601, business dates from 1970-01-01T00:00:00Z to a day ahead of the engine\'s clock; text may hold any Unicode character but NUL (U+0000) and unpaired surrogates.',
    },
    servers: [{ url: '/' }],
    tags: ['customers', 'consents', 'purchases', 'visits', 'rewards', 'webhooks'].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'rk_<key id>_<secret>', description: 'Created with `npx relance keys create --merchant M --role R`' },
      },
      schemas: { Error: jsonSchema(ErrorBodySchema, 'output') },
    },
  };
}
