#!/usr/bin/env -S node --max-semi-space-size=32
// The `relance` command. Runs the TypeScript sources directly through SWC (decorator metadata
// included), so what runs is always what is checked out: there is no build step to forget.
// The first line's flag: see libs/platform/src/service-node-flags.ts.
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Commands whose heap is capped (MB of old generation). V8 sizes its heap from the machine's memory
// and collects lazily below that, so a long import's resident memory grows with its garbage, not with
// what it keeps (the sold lines a return may take back, the stream cache). Such a command is started
// again under the cap, from here, before anything is loaded: the launcher stays a bare Node process.
const HEAP_CAPS = { import: 256 };
const cap = HEAP_CAPS[process.argv[2]];
const capped = (flags) => flags.some((flag) => flag.startsWith('--max-old-space-size'));
if (cap && process.env.RELANCE_HEAP_CAPPED !== '1' && !capped(process.execArgv) && !capped((process.env.NODE_OPTIONS ?? '').split(/\s+/))) {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [`--max-old-space-size=${cap}`, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, RELANCE_HEAP_CAPPED: '1' },
  });
  // Ctrl-C reaches the child too (same process group); a TERM sent to this process is passed on.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  process.exitCode = await new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
} else {
  await run();
}

async function run() {
  process.env.SWC_NODE_PROJECT ??= path.join(root, 'tsconfig.json');
  register('@swc-node/register/esm', pathToFileURL(`${root}/`));
  const { main } = await import(pathToFileURL(path.join(root, 'apps/cli/src/main.ts')).href);
  process.exitCode = await main(process.argv.slice(2));
}
