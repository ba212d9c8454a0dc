import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, MerchantDirectory, type MerchantConfig } from '@relance/platform';
import { createProjectorApp } from '../../../apps/projector/src/create-projector-app.js';
import { TEST_REDIS_URL } from '../../support/test-env.js';
import { projectorEnv, type ProjectorEnv } from './support/projector-env.js';

describe('projector /health: Redis is a dependency of the process that schedules the RFM runs', () => {
  let env: ProjectorEnv;
  let app: NestFastifyApplication | undefined;
  beforeAll(async () => {
    env = await projectorEnv('phealth');
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => env.close());

  async function health(redisUrl: string) {
    const config = loadConfig({ DATABASE_URL: env.url, REDIS_URL: redisUrl, PII_MASTER_KEY: env.masterKey.toString('base64'), LOG_LEVEL: 'error' }, ['piiMasterKey']);
    const merchants = new MerchantDirectory([{ id: `phealth-${env.schema.slice(-8)}`, timeZone: 'Europe/Paris' } as MerchantConfig]);
    app = await createProjectorApp({ config, merchants });
    await app.listen(0, '127.0.0.1');
    const response = await fetch(`${await app.getUrl()}/health`);
    return { status: response.status, body: (await response.json()) as { checks: Record<string, { status: string; error?: string }> } };
  }

  it('reports Redis and the scheduled runs next to PostgreSQL and the projections', async () => {
    const { body } = await health(TEST_REDIS_URL);
    expect(Object.keys(body.checks).sort()).toEqual(['event-store (postgres)', 'postgres', 'projections', 'redis', 'scheduled-runs']);
    expect(body.checks.redis?.status).toBe('ok');
    expect(body.checks['scheduled-runs']?.status).toBe('ok');
  });

  it('answers 503 with Redis failing when it cannot be reached, and still stops cleanly', async () => {
    const { status, body } = await health('redis://127.0.0.1:1');
    expect(status).toBe(503);
    expect(body.checks.redis?.status).toBe('failing');
    expect(body.checks.postgres?.status).toBe('ok');
  });
});
