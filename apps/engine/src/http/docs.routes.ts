import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bearerToken, isLocalRequest } from '@relance/platform';
import type { FastifyInstance } from 'fastify';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

// The page asks for an API key (kept in this tab only) and sends it with every request it makes: to
// load the document from another host, and for "Try it out".
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Relance engine API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body>
<form id="key" style="font-family: sans-serif; margin: 1em">
  <label>API key <input name="key" type="password" size="60" placeholder="rk_…" autocomplete="off"></label>
  <button>Use this key</button> <small>Needed to load the document from another host; kept in this tab only.</small>
</form>
<div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script>
const load = () => {
  const key = sessionStorage.getItem('relance-api-key');
  window.ui = SwaggerUIBundle({
    url: '/docs/json', dom_id: '#ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout',
    requestInterceptor: (request) => { if (key) request.headers.Authorization = 'Bearer ' + key; return request; },
  });
};
document.getElementById('key').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem('relance-api-key', event.target.key.value.trim());
  load();
});
load();
</script>
</body></html>`;

/** Whether an `Authorization: Bearer` credential is a valid API key (of any role and merchant). */
export type ApiKeyCheck = (token: string) => Promise<boolean>;

/**
 * /docs (Swagger UI) and /docs/json (the OpenAPI document), served straight from Fastify with the
 * swagger-ui-dist assets. The page and its assets hold nothing of ours and are public; the document
 * answers requests made on this host, and anyone else with a valid API key.
 */
export function registerDocs(fastify: FastifyInstance, document: Record<string, unknown>, isApiKey: ApiKeyCheck): void {
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const json = JSON.stringify(document);
  fastify.get('/docs/json', async (request, reply) => {
    if (!isLocalRequest(request.raw.socket.remoteAddress, request.headers)) {
      const token = bearerToken(request.headers);
      if (token === null || !(await isApiKey(token))) {
        return reply
          .status(401)
          .header('www-authenticate', 'Bearer realm="relance"')
          .send({ error: 'unauthenticated', message: 'The API document needs an API key from another host: Authorization: Bearer rk_…', fields: [] });
      }
    }
    return reply.type('application/json; charset=utf-8').send(json);
  });
  fastify.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  for (const [file, type] of Object.entries(ASSETS)) {
    let cached: Buffer | undefined;
    fastify.get(`/docs/${file}`, async (_request, reply) => {
      cached ??= await readFile(path.join(dist, file));
      return reply.type(type).header('cache-control', 'public, max-age=3600').send(cached);
    });
  }
}
