import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig, Requirement } from '@relance/platform';

/** Where `relance demo` keeps its development master key (DevSecrets, default state folder). */
export const DEMO_MASTER_KEY = path.join('.relance', 'dev-master-key');

/**
 * The settings of a CLI command, from the environment. A command that needs the master key, run
 * without PII_MASTER_KEY or PII_MASTER_KEY_FILE in a checkout where `relance demo` ran, reads the
 * demo's development key: the data on this machine was sealed with it, so nothing else could open
 * it. It says so on stderr, since on any other data that key would be the wrong one.
 */
export async function cliConfig(requirements: readonly Requirement[] = [], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<AppConfig> {
  const { loadConfig } = await import('@relance/platform');
  return loadConfig(withDemoMasterKey(requirements, env, cwd), requirements);
}

export function withDemoMasterKey(requirements: readonly Requirement[], env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  if (!requirements.includes('piiMasterKey') || env.PII_MASTER_KEY?.trim() || env.PII_MASTER_KEY_FILE?.trim()) return env;
  const file = path.join(cwd, DEMO_MASTER_KEY);
  if (!existsSync(file)) return env;
  console.error(`Using the development master key of \`relance demo\` (${DEMO_MASTER_KEY}); set PII_MASTER_KEY or PII_MASTER_KEY_FILE for other data.`);
  return { ...env, PII_MASTER_KEY_FILE: file };
}
