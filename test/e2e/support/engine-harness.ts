import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Program } from '@relance/domain';
import type { RecordedEvent } from '@relance/event-store';
import {
  createPool,
  loadConfig,
  loadMerchantConfig,
  MerchantDirectory,
  programVersion,
  type AppConfig,
  type Clock,
  type MerchantConfig,
  type Pool,
} from '@relance/platform';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '@relance/testing/test-env.js';
import { createEngineApp } from '../../../apps/engine/src/create-engine-app.js';
import { ApiKeysRepository } from '../../../apps/engine/src/auth/api-keys.repository.js';
import type { Role } from '../../../apps/engine/src/auth/permissions.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** One master key for every e2e run: customer keys in the shared test database are wrapped with it. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    PII_MASTER_KEY: TEST_MASTER_KEY,
    LOG_LEVEL: 'error',
    IDEMPOTENCY_LEASE_SECONDS: '2',
    // Delivery queues of their own per test process: an engine never works another file's jobs.
    DELIVERY_QUEUE_PREFIX: `e2e-${process.pid}`,
    ...extra,
  };
}

export function testConfig(extra: Record<string, string> = {}): AppConfig {
  return loadConfig(testEnv(extra), ['piiMasterKey']);
}

/** A fresh merchant id per test file: tests never see each other's data. */
export function freshMerchantId(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`.toLowerCase();
}

/** The demo caviste (config/merchants/cave-demo) under another id, its program optionally edited. */
export async function demoMerchant(id: string, editProgram?: (program: Program) => Program): Promise<MerchantConfig> {
  const demo = await loadMerchantConfig(path.join(ROOT, 'config'), 'cave-demo');
  if (!editProgram) return { ...demo, id };
  const definition = editProgram(demo.program.definition);
  return { ...demo, id, program: { version: programVersion(definition), definition } };
}

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export interface RequestOptions {
  readonly key?: string | null;
  readonly idempotencyKey?: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Sent as is (for signature and oversized-body tests). */
  readonly raw?: string | Buffer;
}

export async function call<T = Record<string, unknown>>(baseUrl: string, method: string, url: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let body: string | Buffer | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${baseUrl}${url}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (Swagger UI's HTML): kept as text.
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** An engine listening on 127.0.0.1 (port 0) with real PostgreSQL and Redis, serving the given merchants. */
export class TestEngine {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
    readonly pool: Pool,
  ) {}

  static async start(merchants: readonly MerchantConfig[], options: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestEngine> {
    const config = testConfig(options.env);
    const app = await createEngineApp({ config, merchants: new MerchantDirectory(merchants), ...(options.clock ? { clock: options.clock } : {}) });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    return new TestEngine(app, `http://127.0.0.1:${address.port}`, createPool(config.databaseUrl, { max: 3, applicationName: 'relance-e2e' }));
  }

  async key(merchantId: string, role: Role): Promise<string> {
    return (await new ApiKeysRepository(this.pool).create(merchantId, role, `e2e ${role}`)).token;
  }

  call<T = Record<string, unknown>>(method: string, url: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return call<T>(this.baseUrl, method, url, options);
  }

  /** Every stored event of the merchant, in log order. */
  async events(merchantId: string): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<{ stream_id: string; stream_position: string; event_type: string; data: unknown; metadata: RecordedEvent['metadata'] }>(
      `SELECT stream_id, stream_position::text, event_type, data, metadata FROM events WHERE metadata->>'merchantId' = $1 ORDER BY global_position`,
      [merchantId],
    );
    return rows.map((r) => ({
      streamId: r.stream_id,
      streamPosition: BigInt(r.stream_position),
      position: { commit: 0n, prepare: 0n },
      type: r.event_type,
      data: r.data,
      metadata: r.metadata,
    }));
  }

  async eventCount(merchantId: string): Promise<number> {
    return (await this.events(merchantId)).length;
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.pool.end();
  }
}
