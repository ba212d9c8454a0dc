import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventData } from '@relance/domain';
import { loadConfig, MerchantDirectory, systemClock, type AppConfig, type Clock } from '@relance/platform';
import { createEngineApp } from '../../../../apps/engine/src/create-engine-app.js';
import { ApiKeysRepository } from '../../../../apps/engine/src/auth/api-keys.repository.js';
import { RuleBook } from '../../../../apps/engine/src/rules/rule-book.js';
import { RulesRuntime } from '../../../../apps/engine/src/rules/rules-runtime.js';
import type { ProjectionRunner } from '../../../../apps/projector/src/runner/projection-runner.js';
import { call, demoMerchant, freshMerchantId, ROOT, type ApiResponse, type RequestOptions } from '../../../e2e/support/engine-harness.js';
import { TEST_REDIS_URL } from '../../../support/test-env.js';
import { relance, until, type Relance } from '../../projector/support/child-process.js';
import { projectorEnv, quietLogger, type ProjectorEnv } from '../../projector/support/projector-env.js';

/**
 * One test file's world: its own schema (event log, read models, bookkeeping), the demo caviste
 * under a fresh id with the campaigns the test writes, the engine's HTTP API to record customers
 * and purchases as a point of sale would, the projector following the log, and rules engines
 * (in this process, or as `relance rules run` child processes).
 */
export interface RulesEnv {
  readonly env: ProjectorEnv;
  readonly merchantId: string;
  readonly configDir: string;
  readonly config: AppConfig;
  readonly pos: string;
  api<T = Record<string, unknown>>(method: string, url: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  enrol(customerId: string, body?: Record<string, unknown>): Promise<void>;
  purchase(customerId: string, totalCents: number, extra?: Record<string, unknown>): Promise<string>;
  /** A rules engine in this process (event triggers only unless `schedule`). */
  runtime(options?: { clock?: Clock; schedule?: boolean; batchSize?: number }): Promise<RulesRuntime>;
  /** The BullMQ prefix of this file's runtimes. */
  readonly queuePrefix: string;
  /** `relance rules run` as a child process. */
  child(args?: string[]): Relance;
  writeCampaigns(yaml: string): Promise<void>;
  /** The decisions of a campaign, as stored (CampaignTriggered and MessageSuppressed). */
  decisions(campaignId: string): Promise<Decision[]>;
  eventsOfType(type: string): Promise<{ streamId: string; data: Record<string, unknown>; eventId: string }[]>;
  /** Waits for the projector to have applied the whole log. */
  projected(): Promise<void>;
  close(): Promise<void>;
}

export type Decision =
  | ({ type: 'CampaignTriggered'; eventId: string } & EventData<'CampaignTriggered'>)
  | ({ type: 'MessageSuppressed'; eventId: string } & EventData<'MessageSuppressed'>);

export async function rulesEnv(label: string, campaignsYaml: string, options: { clock?: Clock } = {}): Promise<RulesEnv> {
  const env = await projectorEnv(label);
  const merchantId = freshMerchantId(label.slice(0, 6));
  const configDir = await mkdtemp(path.join(tmpdir(), 'relance-rules-'));
  await cp(path.join(ROOT, 'config', 'merchants', 'cave-demo'), path.join(configDir, 'merchants', merchantId), { recursive: true });
  const merchantFile = path.join(configDir, 'merchants', merchantId, 'merchant.yaml');
  await writeFile(merchantFile, (await readFile(merchantFile, 'utf8')).replace(/^id: cave-demo$/m, `id: ${merchantId}`));
  const writeCampaigns = (yaml: string) => writeFile(path.join(configDir, 'merchants', merchantId, 'campaigns.yaml'), yaml);
  await writeCampaigns(campaignsYaml);
  const masterKey = env.masterKey.toString('base64');
  const config = loadConfig(
    { DATABASE_URL: env.url, REDIS_URL: TEST_REDIS_URL, PII_MASTER_KEY: masterKey, LOG_LEVEL: 'error', CONFIG_DIR: configDir, IDEMPOTENCY_LEASE_SECONDS: '2' },
    ['piiMasterKey'],
  );
  const app: NestFastifyApplication = await createEngineApp({
    config,
    merchants: new MerchantDirectory([await demoMerchant(merchantId)]),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await app.listen(0, '127.0.0.1');
  const baseUrl = await app.getUrl();
  const pos = (await new ApiKeysRepository(env.pool).create(merchantId, 'pos', 'rules test pos')).token;
  const projector: ProjectionRunner = env.runner({ logger: quietLogger, pollMs: 20, lagIntervalMs: 60_000 });
  const projecting = projector.run();
  const runtimes: RulesRuntime[] = [];
  const queuePrefix = `relance-test-${merchantId}`;

  const api = <T = Record<string, unknown>>(method: string, url: string, opts: RequestOptions = {}) => call<T>(baseUrl, method, url, { key: pos, ...opts });
  const expectStatus = (res: ApiResponse<unknown>, status: number, what: string) => {
    if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${res.text}`);
  };

  return {
    env,
    merchantId,
    configDir,
    config,
    pos,
    queuePrefix,
    api,
    async enrol(customerId, body = {}) {
      expectStatus(await api('POST', '/v1/customers', { body: { customerId, ...body } }), 201, `enrol ${customerId}`);
    },
    async purchase(customerId, totalCents, extra = {}) {
      const purchaseId = `p-${randomUUID()}`;
      const res = await api('POST', '/v1/purchases', {
        body: {
          purchaseId,
          customerId,
          storeId: 'halles',
          currency: 'EUR',
          purchasedAt: new Date().toISOString(),
          lines: [{ sku: 'SJ-2021', name: 'Saint-Joseph 2021', category: 'rouge', quantity: 1, unitPriceCents: totalCents }],
          ...extra,
        },
      });
      expectStatus(res, 201, `purchase for ${customerId}`);
      return purchaseId;
    },
    async runtime(o = {}) {
      const book = await RuleBook.from(configDir, [{ id: merchantId, folder: merchantId }]);
      const runtime = RulesRuntime.create({ config, book, clock: o.clock ?? systemClock, schedule: o.schedule ?? false, batchSize: o.batchSize, queuePrefix, log: () => undefined });
      runtimes.push(runtime);
      await runtime.start();
      return runtime;
    },
    child(args = []) {
      return relance(env, ['rules', 'run', '--no-schedule', ...args], { CONFIG_DIR: configDir, REDIS_URL: TEST_REDIS_URL, RULES_PORT: '0' });
    },
    writeCampaigns,
    async decisions(campaignId) {
      const { rows } = await env.pool.query<{ event_type: Decision['type']; data: Record<string, unknown>; event_id: string }>(
        `SELECT event_type, data, event_id::text FROM events WHERE stream_id = $1 AND event_type IN ('CampaignTriggered', 'MessageSuppressed') ORDER BY global_position`,
        [`campaign-${merchantId}.${campaignId}`],
      );
      return rows.map((r) => ({ type: r.event_type, eventId: r.event_id, ...r.data }) as Decision);
    },
    async eventsOfType(type) {
      const { rows } = await env.pool.query<{ stream_id: string; data: Record<string, unknown>; event_id: string }>(
        `SELECT stream_id, data, event_id::text FROM events WHERE event_type = $1 AND metadata->>'merchantId' = $2 ORDER BY global_position`,
        [type, merchantId],
      );
      return rows.map((r) => ({ streamId: r.stream_id, data: r.data, eventId: r.event_id }));
    },
    async projected() {
      const head = await env.store.headPosition();
      await until(async () => {
        const { rows } = await env.pool.query<{ c: string; p: string }>(`SELECT commit_position::text AS c, prepare_position::text AS p FROM projection_checkpoints WHERE name = 'customers'`);
        const row = rows[0];
        return !!row && (BigInt(row.c) > head.commit || (BigInt(row.c) === head.commit && BigInt(row.p) >= head.prepare));
      }, 20_000, 'the projector to catch up');
    },
    async close() {
      for (const r of runtimes) await r.stop().catch(() => undefined);
      await projector.stop();
      await projecting.catch(() => undefined);
      await app.close();
      await env.close();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}

/** Campaign YAML with the demo's defaults but no control group, so that every targeted customer is messaged. */
export function campaignsYaml(campaigns: string, defaults = 'controlGroupPercent: 0\n  frequencyCaps:\n    - { max: 2, days: 7 }'): string {
  return `defaults:\n  ${defaults}\ncampaigns:\n${campaigns}`;
}
