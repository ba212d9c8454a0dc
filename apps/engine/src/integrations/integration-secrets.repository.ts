import { hkdfSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, masterKeyId, openJson, PG_POOL, sealJson, sql, type AppConfig } from '@relance/platform';
import type pg from 'pg';

export const PLATFORMS = ['shopify', 'woocommerce'] as const;
export type Platform = (typeof PLATFORMS)[number];

const CACHE_MS = 30_000;

/**
 * Webhook secrets of the merchants' e-shops (migrations/0014_integration_secrets.sql), sealed with
 * AES-256-GCM under a key derived from the master key (its own HKDF context, so it never doubles as
 * a customer key) and bound to merchant and platform.
 */
@Injectable()
export class IntegrationSecrets {
  private readonly key: Buffer;
  private readonly keyId: string;
  private readonly cache = new Map<string, { secret: string | null; until: number }>();

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(CONFIG) config: AppConfig,
  ) {
    if (!config.piiMasterKey) throw new Error('PII_MASTER_KEY is required to seal integration secrets');
    this.key = Buffer.from(hkdfSync('sha256', config.piiMasterKey, 'relance-integration-secrets', 'v1', 32));
    this.keyId = masterKeyId(config.piiMasterKey);
  }

  async set(merchantId: string, platform: Platform, secret: string): Promise<void> {
    const sealed = sealJson(this.key, secret, owner(merchantId, platform));
    await this.pool.query(sql`
      INSERT INTO integration_secrets (merchant_id, platform, sealed_secret, master_key_id)
      VALUES (${merchantId}, ${platform}, ${sealed}, ${this.keyId})
      ON CONFLICT (merchant_id, platform) DO UPDATE
        SET sealed_secret = EXCLUDED.sealed_secret, master_key_id = EXCLUDED.master_key_id, updated_at = now()`);
    this.cache.delete(owner(merchantId, platform));
  }

  /** The secret, or null when none is set (or it was sealed under another master key). */
  async get(merchantId: string, platform: Platform): Promise<string | null> {
    const id = owner(merchantId, platform);
    const cached = this.cache.get(id);
    if (cached && cached.until > Date.now()) return cached.secret;
    const { rows } = await this.pool.query<{ sealed_secret: string; master_key_id: string }>(sql`
      SELECT sealed_secret, master_key_id FROM integration_secrets WHERE merchant_id = ${merchantId} AND platform = ${platform}`);
    const row = rows[0];
    const secret = row && row.master_key_id === this.keyId ? openJson<string>(this.key, row.sealed_secret, id) : null;
    this.cache.set(id, { secret, until: Date.now() + CACHE_MS });
    return secret;
  }
}

function owner(merchantId: string, platform: Platform): string {
  return `integration/${merchantId}/${platform}`;
}
