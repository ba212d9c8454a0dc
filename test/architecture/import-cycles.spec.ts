import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The parts of the tree that import one another: each app, each library, the benchmarks and the test
 * support. A part may use another only if that one does not use it back, directly or through others:
 * the CLI runs the benchmarks, so the benchmarks must not reach into the CLI (what both need lives in
 * libs/platform). Unit specs next to the code (`*.spec.ts`) are tests: they may use the test support,
 * which uses the code they test.
 */
function unitOf(file: string): string | null {
  const [top, name] = file.split('/');
  if (top === 'apps' || top === 'libs') return name ? `${top}/${name}` : null;
  if (top === 'bench') return 'bench';
  if (top === 'test' && name === 'support') return 'test/support';
  return null;
}

const ALIASES: Record<string, string> = {
  '@relance/domain': 'libs/domain',
  '@relance/channels': 'libs/channels',
  '@relance/event-store': 'libs/event-store',
  '@relance/platform': 'libs/platform',
};

/** The part a module specifier of `file` points to, if it is one of ours. */
function targetUnit(file: string, specifier: string): string | null {
  if (ALIASES[specifier]) return ALIASES[specifier];
  if (specifier.startsWith('@relance/testing/')) return 'test/support';
  if (!specifier.startsWith('.')) return null;
  return unitOf(path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)));
}

/** Which parts each part imports (static imports, re-exports and `import('…')` of a literal path). */
export function unitGraph(files: ReadonlyMap<string, string>): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [file, text] of files) {
    const from = unitOf(file);
    if (!from || file.endsWith('.spec.ts')) continue;
    const edges = graph.get(from) ?? graph.set(from, new Set()).get(from)!;
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      const to = targetUnit(file, imported.fileName);
      if (to && to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Every group of parts that import one another in a circle (Tarjan's strongly connected components). */
export function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (unit: string): void => {
    index.set(unit, next);
    low.set(unit, next++);
    stack.push(unit);
    for (const to of graph.get(unit) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(unit, Math.min(low.get(unit)!, low.get(to)!));
      } else if (stack.includes(to)) {
        low.set(unit, Math.min(low.get(unit)!, index.get(to)!));
      }
    }
    if (low.get(unit) !== index.get(unit)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      component.push(member);
      if (member === unit) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const unit of graph.keys()) if (!index.has(unit)) visit(unit);
  return found;
}

function sources(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ts|js|mjs)$/.test(entry.name)) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    if (absolute.includes(`${path.sep}node_modules${path.sep}`)) continue;
    files.set(path.relative(root, absolute).split(path.sep).join('/'), readFileSync(absolute, 'utf8'));
  }
  return files;
}

describe('imports between apps, libraries and benchmarks', () => {
  it('form no cycle', () => {
    const files = new Map([...sources('apps'), ...sources('libs'), ...sources('bench'), ...sources('test/support')]);
    const graph = unitGraph(files);
    // The CLI runs the benchmarks; the benchmarks and the CLI both use the platform library.
    expect(graph.get('apps/cli')).toContain('bench');
    expect(graph.get('bench')).toContain('libs/platform');
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle through a relative import, a dynamic import and a library alias', () => {
    const files = new Map([
      ['apps/cli/src/commands/bench.command.ts', "const b = await import('../../../../bench/support/database.js');"],
      ['bench/support/database.ts', "import { UsageError } from '../../apps/cli/src/command.js';"],
      ['libs/platform/src/index.ts', "export * from '../../domain/src/index.js';"],
      ['libs/domain/src/index.ts', "import { createPool } from '@relance/platform';"],
      ['libs/event-store/src/index.ts', "import { Id } from '@relance/domain';"],
      ['libs/event-store/src/store.spec.ts', "import { given } from '@relance/testing/decider-spec.js';"],
      ['test/support/events.ts', "import { appendOne } from '@relance/event-store';"],
    ]);
    expect(cycles(unitGraph(files))).toEqual([
      ['apps/cli', 'bench'],
      ['libs/domain', 'libs/platform'],
    ]);
  });
});
