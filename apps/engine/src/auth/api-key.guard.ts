import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CONFIG, MERCHANTS, type AppConfig, type MerchantDirectory } from '@relance/platform';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../write-path/application-errors.js';
import { ROUTE_SPEC, type RouteSpec } from '../http/route.js';
import { parseApiKey, secretMatches } from './api-key-token.js';
import { ApiKeysRepository, type StoredApiKey } from './api-keys.repository.js';
import { roleAllows, type Principal } from './permissions.js';

export interface AuthenticatedRequest {
  principal?: Principal;
}

const MAX_CACHED_KEYS = 10_000;
const TOUCH_EVERY_MS = 60_000;

/**
 * Authenticates `Authorization: Bearer rk_…` on every /v1 route, checks the route's permission against
 * the key's role, and pins the request to the key's merchant. A /v1 route without a RouteSpec is
 * refused: forgetting to declare a permission must not make a route public. Keys (and unknown key ids)
 * are cached for API_KEY_CACHE_SECONDS, which is how long a revocation can take to reach this process.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly cache = new Map<string, { key: StoredApiKey | null; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysRepository,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(MERCHANTS) private readonly merchants: MerchantDirectory,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const spec = this.reflector.get<RouteSpec | undefined>(ROUTE_SPEC, context.getHandler());
    if (!spec) {
      if (request.url.startsWith('/v1/')) throw new ApiError(403, 'forbidden', 'This route declares no permission');
      return true;
    }
    if (spec.permission === 'webhook') return true;

    const header = request.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : null;
    if (!token) throw unauthenticated('Send an API key: Authorization: Bearer rk_…');
    const parsed = parseApiKey(token);
    const key = parsed ? await this.lookup(parsed.keyId) : null;
    if (!parsed || !key || key.revoked || !secretMatches(parsed.secret, key.secretHash)) {
      throw unauthenticated('The API key is not valid (unknown, revoked or mistyped)');
    }
    if (!this.merchants.get(key.merchantId)) {
      throw new ApiError(403, 'merchant-not-served', `Merchant "${key.merchantId}" is not configured on this engine`);
    }
    if (!roleAllows(key.role, spec.permission)) {
      throw new ApiError(403, 'forbidden', `A ${key.role} key may not do this (needs ${spec.permission})`, {
        role: key.role,
        permission: spec.permission,
      });
    }
    request.principal = { merchantId: key.merchantId, keyId: key.keyId, role: key.role };
    this.touch(key.keyId);
    return true;
  }

  private async lookup(keyId: string): Promise<StoredApiKey | null> {
    const now = Date.now();
    const cached = this.cache.get(keyId);
    if (cached && cached.until > now) return cached.key;
    const key = await this.keys.find(keyId);
    const ttl = this.config.apiKeyCacheSeconds * 1000;
    if (ttl > 0) {
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(keyId, { key, until: now + ttl });
    }
    return key;
  }

  /** last_used_at is a hint, refreshed at most once a minute per key, off the request path. */
  private touch(keyId: string): void {
    const now = Date.now();
    if ((this.touched.get(keyId) ?? 0) > now - TOUCH_EVERY_MS) return;
    this.touched.set(keyId, now);
    this.keys.touch(keyId).catch(() => this.touched.delete(keyId));
  }
}

function unauthenticated(message: string): ApiError {
  return new ApiError(401, 'unauthenticated', message, {}, { 'www-authenticate': 'Bearer realm="relance"' });
}
