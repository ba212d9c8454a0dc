import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { HttpException } from '@nestjs/common';
import { DOMAIN_ERROR_CODES, DomainError, type DomainErrorCode } from '@relance/domain';
import { WrongExpectedRevisionError } from '@relance/event-store';
import { RequestRejected } from '../../apps/engine/src/write-path/application-errors.js';
import { renderError } from '../../apps/engine/src/write-path/error-rendering.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `status → codes` of the errors table in docs/write-api.md. */
function documentedErrors(): Map<number, Set<string>> {
  const doc = readFileSync(path.join(root, 'docs/write-api.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Errors'), doc.indexOf('\n## ', doc.indexOf('## Errors') + 1));
  const table = new Map<number, Set<string>>();
  for (const line of section.split('\n')) {
    const row = /^\| (\d{3}) \| ([^|]+) \|/.exec(line);
    if (row) table.set(Number(row[1]), new Set([...row[2]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!)));
  }
  return table;
}

function add(table: Map<number, Set<string>>, status: number, code: string): void {
  (table.get(status) ?? table.set(status, new Set()).get(status)!).add(code);
}

/** Every `new ApiError(status, 'code', …)` of the engine's sources. */
function apiErrors(): [number, string][] {
  const dir = path.join(root, 'apps/engine/src');
  const found: [number, string][] = [];
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
    const text = readFileSync(path.join(dir, file), 'utf8');
    for (const m of text.matchAll(/new ApiError\(\s*(\d{3}),\s*'([a-z-]+)'/g)) found.push([Number(m[1]), m[2]!]);
  }
  return found;
}

/** What the engine can answer: the statuses and codes its error rendering gives each kind of failure. */
function answeredErrors(): Map<number, Set<string>> {
  const table = new Map<number, Set<string>>();
  const answer = (error: unknown) => {
    const { status, body } = renderError(error);
    add(table, status, body.error);
  };
  for (const code of Object.keys(DOMAIN_ERROR_CODES) as DomainErrorCode[]) answer(new DomainError(code, 'refused'));
  for (const [status, code] of apiErrors()) add(table, status, code);
  answer(new RequestRejected([{ path: 'lines[0].quantity', message: 'too large' }]));
  // Fastify's and Nest's own refusals: a body that does not parse, an unknown route or method, a body
  // too large or of a content type no parser reads.
  for (const status of [400, 404, 405, 413, 415]) answer(new HttpException('refused', status));
  answer(new WrongExpectedRevisionError('customer-m.c', 3n, 4n));
  answer(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
  answer(new Error('a defect'));
  return table;
}

const sorted = (table: Map<number, Set<string>>) => Object.fromEntries([...table].sort(([a], [b]) => a - b).map(([status, codes]) => [status, [...codes].sort()]));

describe("docs/write-api.md's errors table", () => {
  it('lists exactly the statuses and codes the engine answers', () => {
    const answered = answeredErrors();
    expect(answered.get(409)).toContain('duplicate-identity');
    expect(sorted(documentedErrors())).toEqual(sorted(answered));
  });
});
