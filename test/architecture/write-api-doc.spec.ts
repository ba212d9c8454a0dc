import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { HttpException } from '@nestjs/common';
import { DOMAIN_ERROR_CODES, DomainError, type DomainErrorCode } from '@relance/domain';
import { WrongExpectedRevisionError } from '@relance/event-store';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../apps/engine/src/customers/customers.controller.js';
import '../../apps/engine/src/customers/customer-activity.controller.js';
import '../../apps/engine/src/purchases/purchases.controller.js';
import '../../apps/engine/src/points/points.controller.js';
import '../../apps/engine/src/integrations/webhooks.controller.js';
import { RequestRejected } from '../../apps/engine/src/http/api-errors.js';
import { renderError } from '../../apps/engine/src/http/error-rendering.js';
import { ROUTES } from '../../apps/engine/src/http/route.js';

// docs/write-api.md is what callers read: its examples must be requests the engine accepts and
// answers it gives, and its error table must list exactly the codes the engine can answer.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = readFileSync(path.join(ROOT, 'docs/write-api.md'), 'utf8');

/** The `### ` section of the doc naming a route (`POST /v1/customers/:customerId/visits`). */
function sectionOf(method: string, routePath: string): string | null {
  const sections = doc.split(/^### /m).slice(1);
  return sections.find((s) => s.split('\n')[0]!.includes(`\`${method} ${routePath}\``)) ?? null;
}

/** The JSON blocks after a label line ("Request", "Response (201)") up to the next label. */
function blocks(section: string): { label: string; json: unknown }[] {
  const out: { label: string; json: unknown }[] = [];
  let label = '';
  for (const part of section.split(/(```json\n[\s\S]*?```)/)) {
    if (part.startsWith('```json')) out.push({ label, json: JSON.parse(part.slice(8, -3)) });
    else label = part.trim().split('\n').filter(Boolean).pop() ?? '';
  }
  return out;
}

/** Every source file of the engine. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') && !file.endsWith('.spec.ts') ? [file] : [];
  });
}

describe('docs/write-api.md', () => {
  const apiRoutes = ROUTES.filter((r) => r.permission !== 'webhook');

  it('has a section for every route of the API, with an example body the route accepts', () => {
    for (const route of apiRoutes) {
      const section = sectionOf(route.method, route.path);
      expect({ route: `${route.method} ${route.path}`, documented: section !== null }).toEqual({ route: `${route.method} ${route.path}`, documented: true });
      if (!route.body) continue;
      const requests = blocks(section!).filter((b) => !b.label.startsWith('Response'));
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        const parsed = route.body.safeParse(request.json);
        expect({ route: `${route.method} ${route.path}`, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ route: `${route.method} ${route.path}`, issues: [] });
      }
    }
  });

  it("shows responses of the route's documented shape, under its status", () => {
    let checked = 0;
    for (const route of ROUTES) {
      const section = sectionOf(route.method, route.path);
      for (const response of blocks(section ?? '').filter((b) => b.label.startsWith('Response'))) {
        expect(response.label).toContain(String(route.status));
        const parsed = route.response.safeParse(response.json);
        expect({ route: `${route.method} ${route.path}`, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ route: `${route.method} ${route.path}`, issues: [] });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('lists in its error table exactly the codes the engine answers, each under its status', () => {
    const table = doc.slice(doc.indexOf('| status | `error` | when |'), doc.indexOf('## Limits'));
    const documented = new Set<string>();
    for (const row of table.split('\n').filter((l) => /^\| \d{3} \|/.test(l))) {
      const [, status, codes] = row.split('|').map((c) => c.trim());
      for (const code of codes!.matchAll(/`([a-z-]+)`/g)) documented.add(`${status} ${code[1]}`);
    }
    const answered = new Set<string>();
    const add = (error: unknown) => {
      const rendered = renderError(error);
      answered.add(`${rendered.status} ${rendered.body.error}`);
    };
    for (const code of Object.keys(DOMAIN_ERROR_CODES) as DomainErrorCode[]) add(new DomainError(code, 'x'));
    add(new RequestRejected([{ path: 'x', message: 'x' }]));
    add(new WrongExpectedRevisionError('s', 0n, 1n));
    for (const status of [404, 405, 413, 415]) add(new HttpException('x', status));
    add(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    add(new Error('a defect'));
    // The engine's own refusals, wherever they are raised.
    for (const file of sources(path.join(ROOT, 'apps/engine/src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/new ApiError\(\s*(\d{3}),\s*'([a-z-]+)'/g)) answered.add(`${match[1]} ${match[2]}`);
    }
    expect([...documented].sort()).toEqual([...answered].sort());
  });
});
