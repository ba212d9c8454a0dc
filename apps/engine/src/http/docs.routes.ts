import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Relance engine API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/docs/json', dom_id: '#ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });</script>
</body></html>`;

/**
 * /docs (Swagger UI) and /docs/json (the OpenAPI document), served straight from Fastify with the
 * swagger-ui-dist assets: no API key needed to read the documentation.
 */
export function registerDocs(fastify: FastifyInstance, document: Record<string, unknown>): void {
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const json = JSON.stringify(document);
  fastify.get('/docs/json', async (_request, reply) => reply.type('application/json; charset=utf-8').send(json));
  fastify.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  for (const [file, type] of Object.entries(ASSETS)) {
    let cached: Buffer | undefined;
    fastify.get(`/docs/${file}`, async (_request, reply) => {
      cached ??= await readFile(path.join(dist, file));
      return reply.type(type).header('cache-control', 'public, max-age=3600').send(cached);
    });
  }
}
