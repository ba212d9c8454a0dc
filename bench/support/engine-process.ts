import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS } from '@relance/platform';
import { cpuSecondsOfTree } from './process-cpu.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `node bin/relance.js engine` as a child process, as an operator runs it. */
export class EngineProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly output: string[],
  ) {}

  /** Starts the engine (ENGINE_PORT=0 unless given) and resolves once it listens. */
  static async start(env: Record<string, string>, timeoutMs = 60_000, nodeArgs: readonly string[] = []): Promise<EngineProcess> {
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...nodeArgs, path.join(ROOT, 'bin/relance.js'), 'engine'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', ENGINE_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const baseUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The engine did not start within ${timeoutMs} ms:\n${output.join('')}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        output.push(text);
        if (output.length > 200) output.shift();
        const match = /Listening on (http:\/\/[^\s]+)/.exec(text.replace(/\u001b\[[0-9;]*m/g, ''));
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!.replace('[::1]', '127.0.0.1'));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`The engine exited (${code ?? signal}) before listening:\n${output.join('')}`));
      });
    });
    return new EngineProcess(child, baseUrl, output);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** CPU seconds (user + system) the engine process (and any child of it) has used so far. */
  cpuSeconds(): Promise<number | null> {
    return cpuSecondsOfTree(this.pid);
  }

  recentOutput(): string {
    return this.output.join('');
  }

  /** SIGKILL: no shutdown hook runs, like a crash. */
  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
