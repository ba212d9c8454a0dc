import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The demo's local secrets, kept in a state folder (default `.relance/`, git-ignored) so that a
 * second `relance demo` reads the data the first one sealed and reuses its API key. Never for
 * production: there the master key comes from a secret manager (PII_MASTER_KEY or _FILE).
 */
export class DevSecrets {
  constructor(readonly dir: string) {}

  get masterKeyFile(): string {
    return path.join(this.dir, 'dev-master-key');
  }

  get apiKeyFile(): string {
    return path.join(this.dir, 'demo-api-key');
  }

  /** The dev master key file, created with 32 random bytes the first time. */
  async ensureMasterKeyFile(): Promise<{ file: string; created: boolean }> {
    if (existsSync(this.masterKeyFile)) return { file: this.masterKeyFile, created: false };
    await this.writeSecret(this.masterKeyFile, randomBytes(32).toString('base64'));
    return { file: this.masterKeyFile, created: true };
  }

  async readApiKey(): Promise<string | undefined> {
    if (!existsSync(this.apiKeyFile)) return undefined;
    return (await readFile(this.apiKeyFile, 'utf8')).trim() || undefined;
  }

  async saveApiKey(token: string): Promise<void> {
    await this.writeSecret(this.apiKeyFile, token);
  }

  private async writeSecret(file: string, value: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(file, `${value}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
}
