import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevel } from '@nestjs/common';
import { httpMetrics, METRICS, type AppConfig } from '@relance/platform';
import type { Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import { parseApiKey, secretMatches } from './auth/api-key-token.js';
import { ApiKeysRepository } from './auth/api-keys.repository.js';
import { EngineModule, type EngineOptions } from './engine.module.js';
import { registerDocs } from './http/docs.routes.js';
import { openApiDocument } from './http/openapi.js';

const LOG_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Builds the engine application without listening (tests inject their own clock and merchants). */
export async function createEngineApp(options: EngineOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.config.httpBodyLimitBytes,
    trustProxy: true,
    // Request ids become causation ids on events: unique across restarts and replicas.
    genReqId: () => uuidv7(),
  });
  const app = await NestFactory.create<NestFastifyApplication>(EngineModule.forRoot(options), adapter, {
    // Webhook signatures are computed over the exact bytes received.
    rawBody: true,
    logger: LOG_LEVELS[options.config.logLevel],
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const keys = app.get(ApiKeysRepository);
  registerDocs(fastify, openApiDocument('1'), async (token) => {
    const parsed = parseApiKey(token);
    const key = parsed ? await keys.find(parsed.keyId) : null;
    return !!parsed && !!key && !key.revoked && secretMatches(parsed.secret, key.secretHash);
  });
  // Request durations by route pattern (never by concrete URL: ids would explode the label set).
  const { requests } = httpMetrics(app.get<Registry>(METRICS));
  fastify.addHook('onResponse', (request, reply, done) => {
    requests.labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode)).observe(reply.elapsedTime / 1000);
    done();
  });
  app.enableShutdownHooks();
  return app;
}
