import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.js';

const USAGE = `relance keys create --merchant M --role pos|operator|analyst|support|admin [--name label]
       relance keys list --merchant M
       relance keys revoke --merchant M --key KEY_ID
       relance keys master`;

/**
 * API keys. `create` prints the key on stdout, once (only a hash is stored); `master` prints a fresh
 * PII master key for PII_MASTER_KEY.
 */
export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list and revoke API keys; print a new PII master key',
  usage: USAGE,
  async run(args) {
    const [action, ...rest] = args;
    const { values } = parse(rest);
    if (action === 'master') {
      const { randomBytes } = await import('node:crypto');
      console.log(randomBytes(32).toString('base64'));
      console.error('A new master key (base64 of 32 random bytes): set it as PII_MASTER_KEY, or write it to the file PII_MASTER_KEY_FILE names.');
      return 0;
    }
    if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new UsageError(`Unknown action "${action ?? ''}"`);
    const merchantId = values.merchant;
    if (!merchantId) throw new UsageError('--merchant is required');

    const { createPool, loadConfig, loadMerchantConfigs } = await import('@relance/platform');
    const { ApiKeysRepository } = await import('../../../engine/src/auth/api-keys.repository.js');
    const { isRole, ROLES } = await import('../../../engine/src/auth/permissions.js');
    const config = loadConfig();
    const pool = createPool(config.databaseUrl, { max: 1, applicationName: 'relance-keys' });
    const keys = new ApiKeysRepository(pool);
    try {
      if (action === 'create') {
        const role = values.role ?? '';
        if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')} (got "${role}")`);
        const merchants = await loadMerchantConfigs(config.configDir);
        if (!merchants.some((m) => m.id === merchantId)) {
          console.error(`Merchant "${merchantId}" is not configured in ${config.configDir}/merchants/ (configured: ${merchants.map((m) => m.id).join(', ') || 'none'})`);
          return 1;
        }
        const created = await keys.create(merchantId, role, values.name ?? null);
        console.log(created.token);
        console.error(`Created ${role} key ${created.keyId} for ${merchantId}. It is shown this once: store it now (only its hash is kept).`);
        return 0;
      }
      if (action === 'list') {
        const listed = await keys.list(merchantId);
        if (listed.length === 0) console.error(`No keys for ${merchantId}.`);
        for (const k of listed) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          const used = k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : 'never used';
          console.log(`${k.keyId}  ${k.role.padEnd(8)}  ${state.padEnd(32)}  ${used.padEnd(34)}  ${k.name ?? ''}`.trimEnd());
        }
        return 0;
      }
      const keyId = values.key;
      if (!keyId) throw new UsageError('--key is required (the key id shown by `relance keys list`)');
      if (!(await keys.revoke(merchantId, keyId))) {
        console.error(`No active key ${keyId} for ${merchantId}.`);
        return 1;
      }
      console.error(`Revoked ${keyId}. Engines stop accepting it within API_KEY_CACHE_SECONDS (${config.apiKeyCacheSeconds} s).`);
      return 0;
    } finally {
      await pool.end();
    }
  },
};

function parse(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: { merchant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, key: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
