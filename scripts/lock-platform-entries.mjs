#!/usr/bin/env node
// The npm registry mirror of the build machines serves only the linux builds of native packages
// (@swc/core, msgpackr-extract, unrs-resolver), so `npm install` leaves their other-platform
// optional dependencies out of package-lock.json and `npm ci` then refuses the lock as out of sync.
// This adds those entries back with the os/cpu/libc fields npm uses to skip them on install.
// Run it after any `npm install` that rewrites the lock: node scripts/lock-platform-entries.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
const OSES = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony', 'sunos', 'aix'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const at = parts.findIndex((part) => OSES.includes(part));
  if (at < 0 || !parts[at + 1]) return undefined;
  const [os, cpu, abi] = parts.slice(at);
  const platform = { os: [os], cpu: [cpu] };
  if (os === 'linux') platform.libc = [abi?.startsWith('musl') ? 'musl' : 'glibc'];
  return platform;
}

// Node's lookup: from the parent's folder upwards to the root node_modules.
function isResolvable(parentKey, name) {
  let base = parentKey;
  for (;;) {
    if (packages[`${base}${base ? '/' : ''}node_modules/${name}`]) return true;
    if (!base) return false;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

const added = [];
for (const [key, pkg] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    const platform = platformOf(name);
    if (!platform || isResolvable(key, name)) continue;
    const version = range.replace(/^[\^~=]/, '');
    packages[`node_modules/${name}`] = { version, license: pkg.license, optional: true, ...platform };
    added.push(`${name}@${version}`);
  }
}

const sorted = { '': packages[''] };
for (const key of Object.keys(packages).filter((k) => k !== '').sort()) sorted[key] = packages[key];
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added ${added.length}: ${added.join(', ')}` : 'lock already complete');
