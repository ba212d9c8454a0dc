import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../apps/engine/src/customers/customers.controller.js';
import '../../apps/engine/src/customers/customer-activity.controller.js';
import '../../apps/engine/src/purchases/purchases.controller.js';
import '../../apps/engine/src/points/points.controller.js';
import '../../apps/engine/src/integrations/webhooks.controller.js';
import { ROUTES } from '../../apps/engine/src/http/route.js';

// docs/write-api.md is what callers read: its examples must be requests the engine accepts and
// answers it gives (its error table is checked by documented-errors.spec.ts).
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
});
