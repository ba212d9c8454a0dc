import { Redis } from 'ioredis';
import { redact } from '@relance/platform';

const HOW_TO_START =
  'Start the services first: `docker compose up -d postgres redis` where Docker runs, or your local ' +
  'PostgreSQL and Redis (see README, "Services").';

/** Fails with a message saying which service is down and how to bring it up. */
export async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new ServiceDownError(`Redis is not reachable at ${redact(url)} (${(error as Error).message}). ${HOW_TO_START}`);
  } finally {
    redis.disconnect();
  }
}

export function postgresDown(url: string, error: unknown): ServiceDownError {
  return new ServiceDownError(`PostgreSQL is not reachable at ${redact(url)} (${(error as Error).message}). ${HOW_TO_START}`);
}

export class ServiceDownError extends Error {
  override readonly name = 'ServiceDownError';
}
