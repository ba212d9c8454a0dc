import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@relance/platform';
import { createEngineApp } from '../../../apps/engine/src/create-engine-app.js';
import { TEST_DATABASE_URL } from '../../support/test-env.js';

/**
 * A "Redis" that takes each connection and drops it at once: every client pointed at it reconnects
 * again and again, and each attempt is counted.
 */
class DroppingServer {
  attempts = 0;
  private readonly server = net.createServer((socket) => {
    this.attempts++;
    socket.destroy();
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `redis://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let redis: DroppingServer;
let outbox: string;

beforeAll(async () => {
  redis = new DroppingServer();
  outbox = await mkdtemp(path.join(tmpdir(), 'relance-shutdown-'));
});

afterAll(async () => {
  await redis.close();
  await rm(outbox, { recursive: true, force: true });
});

describe('an engine started while Redis is out of reach', () => {
  it('closes within a few seconds, and leaves no Redis client reconnecting behind it', async () => {
    const config = loadConfig({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: await redis.start(),
      LOG_LEVEL: 'error',
      PII_MASTER_KEY: Buffer.alloc(32, 5).toString('base64'),
      OUTBOX_DIR: outbox,
      DELIVERY_QUEUE_PREFIX: 'shutdown-test',
    });
    const app = await createEngineApp({ config });
    await app.listen(0, '127.0.0.1');
    // The delivery workers, the queues and the core's client are all trying to reach it by now.
    const deadline = Date.now() + 10_000;
    while (redis.attempts < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(redis.attempts).toBeGreaterThanOrEqual(6);

    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(6_000);

    // ioredis retries every 2 s at most: 5 s without an attempt means no client is left retrying.
    const afterClose = redis.attempts;
    await new Promise((r) => setTimeout(r, 5_000));
    expect(redis.attempts - afterClose).toBe(0);
  }, 30_000);
});
