import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS } from '@relance/platform';

const RELANCE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../bin/relance.js');

/**
 * One of the apps (`relance engine`, `relance projector`, `relance rules run`) run as its own process,
 * as in production, with its output prefixed by its name. Separate processes keep each app's signals, metrics registry
 * and crash isolated: the demo shows the deployment, not a special single-process mode.
 */
export class AppProcess {
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;
  private readonly lineWatchers = new Set<(line: string) => void>();

  private constructor(
    readonly name: string,
    env: NodeJS.ProcessEnv,
    command: readonly string[],
  ) {
    this.child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, RELANCE_BIN, ...command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = `[${name}]`.padEnd(12);
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        process.stdout.write(`${prefix}${line}\n`);
        for (const watch of this.lineWatchers) watch(line);
      });
    }
    this.exited = new Promise((resolve) => {
      // A process killed by a signal reports 128 + its number, as a shell does.
      this.child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 15) : 1)));
    });
  }

  static start(name: 'engine' | 'projector', env: NodeJS.ProcessEnv): AppProcess {
    return new AppProcess(name, env, [name]);
  }

  /** The rules engine, which serves no HTTP: it is ready once it says so (see waitForLine). */
  static startRules(env: NodeJS.ProcessEnv): AppProcess {
    return new AppProcess('rules', env, ['rules', 'run']);
  }

  /** Resolves once the process prints a line matching `pattern`; rejects if it exits or the time is up. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.lineWatchers.delete(watch);
        settle();
      };
      const watch = (line: string) => {
        if (pattern.test(line)) done(() => resolve(line));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`the ${this.name} did not say it was ready after ${timeoutMs / 1000} s`))), timeoutMs);
      this.lineWatchers.add(watch);
      void this.exited.then((code) => done(() => reject(new Error(`the ${this.name} exited with code ${code} before it was ready (its output is above)`))));
    });
  }

  /**
   * Resolves once GET /health answers 200, or says the app is up but degraded (its dependencies answer,
   * some of its background work is stopped or behind: it serves, and the reason is printed); rejects if
   * the process exits or the time is up.
   */
  async waitHealthy(baseUrl: string, timeoutMs: number): Promise<void> {
    let exitCode: number | undefined;
    void this.exited.then((code) => (exitCode = code));
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`the ${this.name} exited with code ${exitCode} before it was ready (its output is above)`);
      try {
        const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        const text = await res.text();
        if (degraded(text)) {
          console.warn(`The ${this.name} is up but degraded: ${text}`);
          return;
        }
        last = `/health answered ${res.status}: ${text}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`the ${this.name} was not healthy after ${timeoutMs / 1000} s (${last})`);
  }

  /** SIGTERM, then SIGKILL if it has not exited after the grace period. */
  async stop(graceMs = 10_000): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const code = await this.exited;
      clearTimeout(timer);
      return code;
    }
    return this.exited;
  }
}

function degraded(body: string): boolean {
  try {
    return (JSON.parse(body) as { status?: string }).status === 'degraded';
  } catch {
    return false;
  }
}
