import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError, type Command } from '../command.js';

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../bench');

interface BenchModule {
  readonly usage: string;
  run(args: readonly string[]): Promise<Record<string, unknown>>;
}

/** Every `bench/<name>.bench.ts` is a benchmark; its figures are printed as the last line, in JSON. */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'run a benchmark (see bench/); the last line printed is its JSON figures',
  usage: 'relance bench <name> [options]   (relance bench --list)',
  async run(args) {
    const names = (await readdir(BENCH_DIR)).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
    const [name, ...rest] = args;
    if (name === '--list') {
      console.log(names.sort().join('\n'));
      return 0;
    }
    if (!name || !names.includes(name)) throw new UsageError(`Unknown benchmark "${name ?? ''}"; one of: ${names.sort().join(', ')}`);
    const bench = (await import(pathToFileURL(path.join(BENCH_DIR, `${name}.bench.ts`)).href)) as BenchModule;
    if (rest.includes('--help')) {
      console.log(`Usage: ${bench.usage}`);
      return 0;
    }
    const { BENCH_DATABASE_URL, machineDescription } = await import('../../../../bench/support/bench-database.js');
    const figures = await bench.run(rest);
    const machine = await machineDescription(BENCH_DATABASE_URL).catch(() => ({}));
    console.error(`machine: ${JSON.stringify(machine)}`);
    console.log(JSON.stringify(figures));
    return 0;
  },
};
