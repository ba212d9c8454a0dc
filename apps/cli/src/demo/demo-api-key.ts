import type pg from 'pg';
import { ApiKeysRepository } from '../../../engine/src/auth/api-keys.repository.js';
import { parseApiKey, secretMatches } from '../../../engine/src/auth/api-key-token.js';
import type { DevSecrets } from './dev-secrets.js';

/**
 * The demo's admin key for its merchant: the one saved by an earlier run while it is still valid
 * (same merchant, not revoked, secret matching), otherwise a new one, saved for the next run.
 */
export async function ensureDemoApiKey(pool: pg.Pool, secrets: DevSecrets, merchantId: string): Promise<{ token: string; created: boolean }> {
  const keys = new ApiKeysRepository(pool);
  const saved = await secrets.readApiKey();
  const parsed = saved ? parseApiKey(saved) : null;
  if (saved && parsed) {
    const stored = await keys.find(parsed.keyId);
    if (stored && !stored.revoked && stored.merchantId === merchantId && stored.role === 'admin' && secretMatches(parsed.secret, stored.secretHash)) {
      return { token: saved, created: false };
    }
  }
  const created = await keys.create(merchantId, 'admin', 'relance demo');
  await secrets.saveApiKey(created.token);
  return { token: created.token, created: true };
}
