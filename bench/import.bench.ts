import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchConfigDir } from './support/bench-merchant.js';
import { BENCH_DATABASE_URL, freshBenchDatabase, settleBenchDatabase } from './support/bench-database.js';
import { benchOptions, positiveInt } from './support/options.js';
import { writePosExport } from './support/pos-export.js';
import { round } from './support/stats.js';

export const usage = 'relance bench import [--rows 500000] [--concurrency 32]';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MERCHANT = 'bench-import';

/**
 * Generates a year of a shop's till (support/pos-export.ts: returns and unreadable lines included),
 * imports its customers (untimed), then times `relance import purchases --lines skip-invalid` as an
 * operator runs it: wall time from start to exit, and the peak resident memory of the command's
 * processes (VmHWM, read from /proc every 100 ms while they run, summed over the launcher and the
 * worker it starts under a heap cap).
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    rows: { default: '500000', help: 'ticket lines in the export' },
    concurrency: { default: '32', help: 'tickets recorded at once' },
  });
  const rows = positiveInt(o.rows, 'rows');
  const concurrency = positiveInt(o.concurrency, 'concurrency');
  const work = await mkdtemp(path.join(os.tmpdir(), 'relance-bench-import-'));
  const configDir = await benchConfigDir(MERCHANT);
  try {
    const url = await freshBenchDatabase(BENCH_DATABASE_URL);
    const tickets = path.join(work, 'tickets.csv');
    const customers = path.join(work, 'clients.csv');
    const generated = await writePosExport(tickets, customers, rows);
    console.error(`generated ${JSON.stringify(generated)}`);
    const env = { DATABASE_URL: url, CONFIG_DIR: configDir, PII_MASTER_KEY: randomBytes(32).toString('base64'), NODE_OPTIONS: '' };
    const enrolled = await relanceImport(['customers', customers, '--merchant', MERCHANT, '--first-purchases', tickets], env);
    console.error(`customers: ${enrolled.stdout.trim()} (${enrolled.seconds} s)`);
    await settleBenchDatabase(url);

    const timed = await relanceImport(['purchases', tickets, '--merchant', MERCHANT, '--lines', 'skip-invalid', '--concurrency', String(concurrency)], env);
    console.error(`purchases: ${timed.stdout.trim()}`);
    const summary = /read (\d+), imported (\d+), skipped (\d+) \(already recorded\), rejected (\d+)/.exec(timed.stdout);
    const recorded = /Recorded (\d+) purchases and (\d+) refunds; lines skipped (\d+), amounts rounded (\d+)/.exec(timed.stdout);
    if (!summary || !recorded) throw new Error(`The import did not finish as expected (exit ${timed.code}):\n${timed.stdout}\n${timed.stderr}`);
    const report = await readFile(`${tickets}.rejects.txt`, 'utf8').catch(() => '');
    const rejectedReasons = countReasons(report);
    console.error(`report: ${JSON.stringify(rejectedReasons)}`);
    return {
      bench: 'import',
      rows,
      tickets: generated.tickets,
      return_tickets: generated.returnTickets,
      bad_lines: generated.badLines,
      imported_rows: Number(summary[2]),
      rejected_rows: Number(summary[4]),
      purchases: Number(recorded[1]),
      refunds: Number(recorded[2]),
      skipped_lines: Number(recorded[3]),
      rounded_amounts: Number(recorded[4]),
      concurrency,
      seconds: timed.seconds,
      rows_per_s: Math.round(rows / timed.seconds),
      purchases_per_s: Math.round(Number(recorded[1]) / timed.seconds),
      peak_rss_mb: timed.peakRssMb,
      processes: timed.processes,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(configDir, { recursive: true, force: true });
  }
}

/** The report's lines by kind of reason (numbers and names dropped), for a glance at what was left out. */
function countReasons(report: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of report.split('\n')) {
    if (!line) continue;
    const reason = line.replace(/^.*?:\d+: /, '').replace(/"[^"]*"/g, '"…"').replace(/\d[\d,.]*/g, 'N').replace(/CL\w+|T\w+|SKU\w+/g, 'X');
    counts[reason] = (counts[reason] ?? 0) + 1;
  }
  return counts;
}

async function relanceImport(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number; peakRssMb: number; processes: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/relance.js'), 'import', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // The command runs its work in a child of its own, under a heap cap (apps/cli/src/commands/bounded-heap.ts):
  // the peak of each process of the tree, summed.
  const peakKb = new Map<number, number>();
  const poll = setInterval(() => {
    void treeOf(child.pid!)
      .then((pids) =>
        Promise.all(
          pids.map(async (pid) => {
            const hwm = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
            if (hwm) peakKb.set(pid, Math.max(peakKb.get(pid) ?? 0, Number(hwm[1])));
          }),
        ),
      )
      .catch(() => undefined);
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(poll);
  const total = [...peakKb.values()].reduce((a, b) => a + b, 0);
  return { code, stdout, stderr, seconds: round((performance.now() - started) / 1000), peakRssMb: round(total / 1024, 1), processes: peakKb.size };
}

/** A process and its descendants (Linux /proc). */
async function treeOf(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const nested = await Promise.all(children.split(' ').filter(Boolean).map((c) => treeOf(Number(c))));
  return [pid, ...nested.flat()];
}
