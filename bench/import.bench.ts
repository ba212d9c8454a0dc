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

export const usage = 'relance bench import [--rows 500000] [--concurrency 8]';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MERCHANT = 'bench-import';

/**
 * Generates a year of a shop's till (support/pos-export.ts: returns and unreadable lines included),
 * imports its customers (untimed), then times `relance import purchases --lines skip-invalid` as an
 * operator runs it, in a process of its own: wall time from start to exit, and that process's peak
 * resident memory (VmHWM, read from /proc every 100 ms while it runs).
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    rows: { default: '500000', help: 'ticket lines in the export' },
    concurrency: { default: '8', help: 'tickets recorded at once' },
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

async function relanceImport(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number; peakRssMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/relance.js'), 'import', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let peakKb = 0;
  const poll = setInterval(() => {
    void readFile(`/proc/${child.pid}/status`, 'utf8')
      .then((status) => {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      })
      .catch(() => undefined);
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(poll);
  return { code, stdout, stderr, seconds: round((performance.now() - started) / 1000), peakRssMb: round(peakKb / 1024, 1) };
}
