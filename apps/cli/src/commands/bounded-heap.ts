import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Set in the child that does the work, so that it does not start another. */
const BOUNDED = 'RELANCE_HEAP_BOUNDED';

/**
 * Runs this very command again in a child Node process whose old generation is capped at `megabytes`,
 * unless this process already runs under a cap (its own flag, NODE_OPTIONS, or as that child).
 * Resolves with the child's exit code, or null when this process is the one to do the work.
 *
 * Why: V8 sizes its heap from the machine's memory (about 4 GB here) and collects lazily below that,
 * so a long import's resident memory grows with its garbage, not with what it keeps. Under a cap the
 * same work stays within a known footprint.
 */
export async function inBoundedHeap(megabytes: number): Promise<number | null> {
  const capped = (flags: readonly string[]) => flags.some((f) => f.startsWith('--max-old-space-size'));
  if (process.env[BOUNDED] === '1' || capped(process.execArgv) || capped((process.env.NODE_OPTIONS ?? '').split(/\s+/))) return null;
  const child = spawn(process.execPath, [`--max-old-space-size=${megabytes}`, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [BOUNDED]: '1' },
  });
  // Ctrl-C reaches the child too (same process group): it stops the import; this process waits for it.
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1)));
    });
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
