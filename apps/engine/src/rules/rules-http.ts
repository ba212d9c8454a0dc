import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, isLocalRequest, runHealthChecks, tokenMatches, type AppConfig, type HealthCheck } from '@relance/platform';
import type { Registry } from 'prom-client';

/**
 * The rules process's /health and /metrics, answered as the engine and the projector answer theirs
 * (same report, same access rule for /metrics), on a bare HTTP server: the process has no API, so
 * it carries no web framework. Without it a rules engine stopped on a failing batch, or waiting for a
 * projector that does not run, would be visible only in its log.
 */
export async function serveRulesHealth(checks: () => readonly HealthCheck[], registry: Registry, config: AppConfig): Promise<Server> {
  const server = createServer((request, response) => {
    void answer(request, response, checks, registry, config).catch((error: Error) => {
      if (!response.headersSent) send(response, 500, { error: 'internal', message: error.message, fields: [] });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.rulesPort, config.httpHost, () => resolve());
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

async function answer(request: IncomingMessage, response: ServerResponse, checks: () => readonly HealthCheck[], registry: Registry, config: AppConfig): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET') return send(response, 405, { error: 'method-not-allowed', message: 'GET /health or /metrics', fields: [] });
  if (path === '/health') {
    const report = await runHealthChecks(checks());
    return send(response, report.status === 'ok' ? 200 : 503, report);
  }
  if (path === '/metrics') {
    if (!isLocalRequest(request.socket.remoteAddress, request.headers)) {
      if (config.metricsToken === undefined) {
        return send(response, 403, { error: 'metrics-local-only', message: '/metrics answers this host only; set METRICS_TOKEN to scrape it from elsewhere', fields: [] });
      }
      if (!tokenMatches(bearerToken(request.headers), config.metricsToken)) {
        response.setHeader('www-authenticate', 'Bearer realm="relance-metrics"');
        return send(response, 401, { error: 'unauthenticated', message: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>', fields: [] });
      }
    }
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(await registry.metrics());
    return;
  }
  send(response, 404, { error: 'not-found', message: `${path}: the rules process answers /health and /metrics`, fields: [] });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}
