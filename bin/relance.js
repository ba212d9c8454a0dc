#!/usr/bin/env -S node --max-semi-space-size=32
// The `relance` command. Runs the TypeScript sources directly through SWC (decorator metadata
// included), so what runs is always what is checked out: there is no build step to forget.
// The first line's flag: see libs/platform/src/service-node-flags.ts.
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.SWC_NODE_PROJECT ??= path.join(root, 'tsconfig.json');
register('@swc-node/register/esm', pathToFileURL(`${root}/`));
const { main } = await import(pathToFileURL(path.join(root, 'apps/cli/src/main.ts')).href);
process.exitCode = await main(process.argv.slice(2));
