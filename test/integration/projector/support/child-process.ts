import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_URL } from '../../../support/test-env.js';
import type { ProjectorEnv } from './projector-env.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface Relance {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Children still running: a test that fails before it stops its own leaves them to ProjectorEnv.close(). */
const running = new Set<Relance>();

/** Kills what is still running (SIGKILL) and waits for it to exit. */
export async function killChildren(): Promise<void> {
  const left = [...running];
  for (const r of left) r.child.kill('SIGKILL');
  await Promise.all(left.map((r) => r.exited));
}

/** `node bin/relance.js <args>` against the test schema, as an operator would run it. */
export function relance(env: ProjectorEnv, args: string[], extraEnv: Record<string, string> = {}): Relance {
  let output = '';
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/relance.js'), ...args], {
    cwd: ROOT,
    // Only what the command needs: the child reads its configuration from these alone.
    env: {
      DATABASE_URL: env.url,
      REDIS_URL: TEST_REDIS_URL,
      PII_MASTER_KEY: env.masterKey.toString('base64'),
      CONFIG_DIR: path.join(ROOT, 'config'),
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started: Relance = { child, output: () => output, exited };
  running.add(started);
  void exited.then(() => running.delete(started));
  return started;
}

export async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string, output: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
