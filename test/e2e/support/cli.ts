import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT, testEnv } from './engine-harness.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node bin/relance.js …` as an operator runs it, against the test database. */
export function relance(args: readonly string[], env: Record<string, string> = {}, stdin?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(ROOT, 'bin/relance.js'), ...args],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...testEnv(), ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}
