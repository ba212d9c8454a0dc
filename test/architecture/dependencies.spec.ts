import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Packages declared without being imported by name, and why they are needed all the same. */
const NOT_IMPORTED: Record<string, string> = {
  '@swc-node/register': 'bin/relance.js registers it as a loader by name',
  '@swc/core': 'the compiler @swc-node/register and @swc/jest load (a peer dependency of both)',
  '@swc/jest': 'the jest transform, named in jest.config.js',
  jest: 'the test runner',
  '@types/node': 'type declarations',
  '@types/pg': 'type declarations',
  '@event-driven-io/emmett': 'a peer dependency of @event-driven-io/emmett-postgresql (bench/peers)',
  '@event-driven-io/pongo': 'a peer dependency of @event-driven-io/emmett-postgresql (bench/peers)',
  'swagger-ui-dist': 'the Swagger UI assets /docs serves, located with require.resolve (apps/engine/src/http/docs.routes.ts)',
  bullmq: 'the queues of delivery and the scheduled runs, which build on it next',
};

const SOURCE_DIRS = ['apps', 'libs', 'bench', 'test', 'bin', 'scripts'];
const ROOT_FILES = ['jest.config.js', 'eslint.config.js'];

function sourceFiles(): string[] {
  const files = ROOT_FILES.map((f) => path.join(root, f));
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && /\.(ts|js|mjs)$/.test(entry.name)) files.push(path.join(entry.parentPath, entry.name));
    }
  }
  return files;
}

/** The package a bare module specifier names (`@scope/name/sub` → `@scope/name`), or null for ours and Node's. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('@relance/')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? null : name;
}

function importedPackages(): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles()) {
    for (const imported of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const name = packageOf(imported.fileName);
      if (name) found.add(name);
    }
  }
  return found;
}

describe('package.json', () => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)]);
  const imported = importedPackages();

  it('declares every package the code imports', () => {
    expect(imported).toContain('@nestjs/core');
    expect([...imported].filter((name) => !declared.has(name)).sort()).toEqual([]);
  });

  it('imports every package it declares, or says why one is needed without an import', () => {
    const unused = [...declared].filter((name) => !imported.has(name) && !(name in NOT_IMPORTED));
    expect(unused.sort()).toEqual([]);
    // A reason that no longer applies goes with it: an excused package must be declared.
    expect(Object.keys(NOT_IMPORTED).filter((name) => !declared.has(name))).toEqual([]);
  });
});
