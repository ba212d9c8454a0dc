import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// libs/domain must stay pure: no framework, I/O, clock or randomness. The rule lives in
// eslint.config.js; these tests keep it switched on and prove it bites.
describe('libs/domain purity', () => {
  const eslint = new ESLint({ cwd: root });

  it('holds for every domain source file', async () => {
    const results = await eslint.lintFiles(['libs/domain/src/**/*.ts']);
    const problems = results.flatMap((r) =>
      r.messages.map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.ruleId}: ${m.message}`),
    );
    expect(results.length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('rejects framework, I/O, clock and randomness in domain code', async () => {
    const sample = [
      "import { Injectable } from '@nestjs/common';",
      "import pg from 'pg';",
      "import { readFile } from 'node:fs/promises';",
      "import { v7 } from 'uuid';",
      'export const now = new Date();',
      'export const stamp = Date.now();',
      'export const dice = Math.random();',
      'export const env = process.env.X;',
      'export { Injectable, pg, readFile, v7 };',
    ].join('\n');
    const [result] = await eslint.lintText(sample, { filePath: path.join(root, 'libs/domain/src/sample.ts') });
    const lines = new Set(result!.messages.map((m) => m.line));
    expect([...lines].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('allows given times and Intl in domain code', async () => {
    const sample = "export const at = new Date('2026-01-01T00:00:00Z').getTime();\nexport const fmt = new Intl.DateTimeFormat('fr-FR');\n";
    const [result] = await eslint.lintText(sample, { filePath: path.join(root, 'libs/domain/src/sample.ts') });
    expect(result!.messages).toEqual([]);
  });
});
